import type { FastifyInstance } from 'fastify';
import * as api from '../../../shared/api/users.js';
import type { Ctx } from '../../context.js';
import { route } from '../../http/route.js';
import type { UserRow } from './repo.js';
import * as service from './service.js';

export const presentUser = (u: UserRow, now: Date): api.User => ({
  id: u.id,
  username: u.username,
  displayName: u.display_name,
  visitorType: u.visitor_type as api.User['visitorType'],
  organization: u.organization,
  disabled: !!u.disabled_at,
  locked: !!u.locked_until && new Date(u.locked_until) > now,
  version: u.version,
  grants: u.grants.map((g) => ({
    role: g.role,
    areaId: g.area_id,
    areaName: g.area_name,
    department: g.department,
  })),
});
const toGrants = (gs: api.GrantIn[]) => gs.map((g) => ({ ...g, department: g.department ?? null }));

export function userRoutes(app: FastifyInstance, ctx: Ctx) {
  route(app, api.listUsers, async ({ req, actor }) => {
    const rows = await service.listUsers(ctx, actor, req.query);
    const now = ctx.clock.now();
    return {
      items: rows.map((u) => presentUser(u, now)),
      nextCursor: rows.length === req.query.limit ? rows[rows.length - 1].id : null,
    };
  });
  route(app, api.getUser, async ({ req, actor }) =>
    presentUser(await service.getUser(ctx, actor, req.params.id), ctx.clock.now()),
  );
  route(app, api.createUser, async ({ req, actor }) => {
    const res = await service.createUser(ctx, actor, { ...req.body, grants: toGrants(req.body.grants) });
    return { user: presentUser(res.user, ctx.clock.now()), password: res.password };
  });
  route(app, api.updateUser, async ({ req, actor }) => {
    const body = { ...req.body, grants: req.body.grants ? toGrants(req.body.grants) : undefined };
    return presentUser(await service.updateUser(ctx, actor, req.params.id, body), ctx.clock.now());
  });
  route(app, api.resetPassword, async ({ req, actor }) =>
    service.resetPassword(ctx, actor, req.params.id, req.body.password),
  );
  route(app, api.changeOwnPassword, async ({ req, actor }) => {
    await service.changeOwnPassword(ctx, actor, req.body.currentPassword, req.body.newPassword);
    return undefined;
  });
}
