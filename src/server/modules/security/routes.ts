import type { FastifyInstance } from 'fastify';
import * as api from '../../../shared/api/security.js';
import type { Ctx } from '../../context.js';
import { route } from '../../http/route.js';
import * as service from './service.js';

export function securityRoutes(app: FastifyInstance, ctx: Ctx) {
  route(app, api.getMySecurity, async ({ actor }) => service.securityOverview(ctx, actor));
  route(app, api.revokeMySession, async ({ req, actor }) => {
    await service.revokeUserSession(ctx, actor, actor.userId, req.params.key);
    return undefined;
  });
  route(app, api.setupTotp, async ({ req, actor }) => service.totpSetup(ctx, actor, req.body.password));
  route(app, api.confirmTotp, async ({ req, actor }) => {
    await service.totpConfirm(ctx, actor, req.body.code);
    return undefined;
  });
  route(app, api.disableTotp, async ({ req, actor }) => {
    await service.totpDisable(ctx, actor, req.body.password, req.body.code);
    return undefined;
  });
  route(app, api.listUserSessions, async ({ req, actor }) => ({
    items: await service.listUserSessions(ctx, actor, req.params.id),
  }));
  route(app, api.revokeUserSession, async ({ req, actor }) => {
    await service.revokeUserSession(ctx, actor, req.params.id, req.params.key);
    return undefined;
  });
  route(app, api.resetUserTotp, async ({ req, actor }) => {
    await service.resetUserTotp(ctx, actor, req.params.id);
    return undefined;
  });
  route(app, api.getSecuritySettings, async () => service.getSettings(ctx));
  route(app, api.putSecuritySettings, async ({ req, actor }) => service.updateSettings(ctx, actor, req.body));
}
