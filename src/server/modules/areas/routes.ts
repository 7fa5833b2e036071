import type { FastifyInstance } from 'fastify';
import * as api from '../../../shared/api/areas.js';
import type { Ctx } from '../../context.js';
import { route } from '../../http/route.js';
import type { AreaRow } from './repo.js';
import * as service from './service.js';

const present = (a: AreaRow): api.Area => ({
  id: a.id,
  parentId: a.parent_id,
  code: a.code,
  name: a.name,
  level: a.level,
  kind: a.kind,
  retired: !!a.retired_at,
  version: a.version,
});

export function areaRoutes(app: FastifyInstance, ctx: Ctx) {
  route(app, api.getAreaTree, async ({ req, actor }) =>
    service.getAreaTree(ctx, actor, req.query.includeRetired === 'true'),
  );
  route(app, api.getArea, async ({ req, actor }) =>
    present(await service.getVisibleArea(ctx, actor, req.params.id)),
  );
  route(app, api.addVillage, async ({ req, actor }) =>
    present(await service.addVillage(ctx, actor, req.body)),
  );
  route(app, api.addAreaAboveRoot, async ({ req, actor }) =>
    present(await service.addAreaAboveRoot(ctx, actor, req.body)),
  );
  route(app, api.updateVillage, async ({ req, actor }) =>
    present(await service.updateVillage(ctx, actor, req.params.id, req.body)),
  );
}
