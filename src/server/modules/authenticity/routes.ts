import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import * as api from '../../../shared/api/authenticity.js';
import type { Ctx } from '../../context.js';
import { route } from '../../http/route.js';
import * as visits from '../visits/index.js';
import type { HomePointRow, ReviewRow, SpotCheckRow } from './repo.js';
import * as service from './service.js';

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

function presentReview(r: ReviewRow): api.ReviewItem {
  return {
    visitId: Number(r.visit_id),
    personId: r.person_id,
    personName: r.person_name,
    visitorId: r.visitor_id,
    visitorName: r.visitor_name,
    townId: r.town_id,
    townName: r.town_name,
    villageName: r.village_name,
    at: iso(r.at)!,
    method: r.method,
    signals: r.signals ?? [],
    reviewState: r.review_state,
    reviewNote: r.review_note,
    reviewedAt: iso(r.reviewed_at),
    reviewedBy: r.reviewed_by_name,
    signalsChangedAt:
      r.reviewed_at && r.signals_at && new Date(r.signals_at) > new Date(r.reviewed_at)
        ? iso(r.signals_at)
        : null,
  };
}

function presentHome(h: HomePointRow): z.infer<typeof api.HomePoint> {
  return {
    latitude: h.latitude,
    longitude: h.longitude,
    source: h.source,
    sourceVisitId: h.source_visit_id == null ? null : Number(h.source_visit_id),
    confirmed: h.confirmed,
    setAt: iso(h.set_at)!,
    setBy: h.set_by_name,
    version: h.version,
  };
}

function presentCheck(c: SpotCheckRow): api.SpotCheck {
  return {
    id: c.id,
    drawId: c.draw_id,
    month: c.month,
    visitId: Number(c.visit_id),
    visitAt: iso(c.visit_at)!,
    method: c.method,
    flagged: c.flagged,
    personId: c.person_id,
    personName: c.person_name,
    visitorName: c.visitor_name,
    townId: c.town_id,
    townName: c.town_name,
    assignedTo: c.assigned_to,
    assignedName: c.assigned_name,
    result: c.result,
    note: c.note,
    checkedAt: iso(c.checked_at),
    concernId: c.concern_id,
    version: c.version,
  };
}

function presentDraw(d: Awaited<ReturnType<typeof service.listDraws>>[number]): z.infer<typeof api.Draw> {
  return {
    id: d.id,
    townId: d.town_id,
    townName: d.town_name,
    month: d.month,
    seed: d.seed,
    rate: d.rate,
    minimum: d.minimum,
    flaggedWeight: d.flagged_weight,
    population: d.population,
    size: d.size,
    drawnAt: iso(d.drawn_at)!,
  };
}

export function authenticityRoutes(app: FastifyInstance, ctx: Ctx) {
  route(app, api.listReviews, async ({ req, actor }) => {
    const page = await service.listReviews(ctx, actor, req.query);
    return { items: page.items.map(presentReview), nextCursor: page.nextCursor };
  });

  route(app, api.getReview, async ({ req, actor }) => {
    const d = await service.getReview(ctx, actor, req.params.id);
    const visit = await visits.visitWithAnswers(ctx, actor, req.params.id);
    const related = [];
    for (const r of d.related)
      related.push({ rule: r.rule, visit: await visits.visitWithAnswers(ctx, actor, r.id) });
    return {
      item: presentReview(d.item),
      visit,
      related,
      home: d.home ? presentHome(d.home) : null,
    };
  });

  route(app, api.decideReview, async ({ req, actor }) =>
    presentReview(await service.decideReview(ctx, actor, req.params.id, req.body)),
  );

  route(app, api.getHomePoint, async ({ req, actor }) => {
    const h = await service.getHomePoint(ctx, actor, req.params.id);
    return {
      current: h.current ? presentHome(h.current) : null,
      proposal: h.proposal
        ? {
            latitude: h.proposal.latitude,
            longitude: h.proposal.longitude,
            visitId: Number(h.proposal.id),
            at: iso(h.proposal.at)!,
          }
        : null,
      history: h.history.map((x) => {
        const { version: _v, ...rest } = presentHome({ ...x, version: 0 });
        return { ...rest, note: x.note, removed: x.removed };
      }),
    };
  });

  route(app, api.setHomePoint, async ({ req, actor }) =>
    presentHome(await service.setHomePoint(ctx, actor, req.params.id, req.body)),
  );

  route(app, api.removeHomePoint, async ({ req, actor }) => {
    await service.removeHomePoint(ctx, actor, req.params.id, req.query.note);
    return undefined;
  });

  route(
    app,
    api.getAuthenticitySettings,
    async ({ req, actor }) => service.readSettings(ctx, actor, req.query.areaId ?? null) as never,
  );
  route(
    app,
    api.putAuthenticitySetting,
    async ({ req, actor }) =>
      service.writeSetting(ctx, actor, req.body, (key, value) => {
        const r = api.AUTHENTICITY_SETTING_VALUES[key].safeParse(value);
        return r.success ? null : r.error.issues[0].message;
      }) as never,
  );

  route(app, api.drawSpotChecks, async ({ req, reply, actor }) =>
    reply.code(201).send((await service.drawSpotChecks(ctx, actor, req.body)).map(presentDraw)),
  );
  route(app, api.listDraws, async ({ req, actor }) =>
    (await service.listDraws(ctx, actor, req.query.month)).map(presentDraw),
  );
  route(app, api.listSpotChecks, async ({ req, actor }) =>
    (await service.listSpotChecks(ctx, actor, req.query)).map(presentCheck),
  );
  route(app, api.assignSpotCheck, async ({ req, actor }) =>
    presentCheck(await service.assignSpotCheck(ctx, actor, req.params.id, req.body)),
  );
  route(app, api.recordSpotCheck, async ({ req, actor }) =>
    presentCheck(await service.recordSpotCheck(ctx, actor, req.params.id, req.body)),
  );
}
