import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import * as api from '../../../shared/api/visits.js';
import { chinaDate } from '../../../shared/china-time.js';
import { daysLeft, isDueSoon, periodLabel } from '../../../shared/schedule.js';
import type { Ctx } from '../../context.js';
import { badRequest } from '../../http/errors.js';
import { route } from '../../http/route.js';
import type { Actor } from '../../http/scope.js';
import { PHOTO_BODY_LIMIT, VISIT_BODY_LIMIT } from './files.js';
import type { TaskRow, VisitRow } from './repo.js';
import * as service from './service.js';

/**
 * Tasks as answered. A page of tasks shares a few periods, windows and due dates, so each label, time
 * and day count is worked out once per distinct value (a page of 50 took ~4 µs a task before).
 */
function presentTasks(rows: TaskRow[], today: string): TaskOut[] {
  const label = once(periodLabel);
  const iso = once((ms: number) => new Date(ms).toISOString());
  const left = once((due: string) => daysLeft(due, today));
  const soon = once((due: string) => isDueSoon(due, today));
  return rows.map((t) => ({
    id: Number(t.id),
    personId: t.person_id,
    personName: t.person_name,
    kind: t.kind,
    period: t.period,
    periodLabel:
      t.kind === 'regular' ? label(t.period) : t.kind === 'campaign' ? (t.reason ?? '专项探访') : '跟进探访',
    tier: t.tier,
    windowStart: iso(t.window_start.getTime()),
    windowEnd: iso(t.window_end.getTime()),
    dueDate: t.due_date,
    daysLeft: left(t.due_date),
    dueSoon: t.status === 'open' && soon(t.due_date),
    visitorId: t.visitor_id,
    visitorName: t.visitor_name,
    villageName: t.village_name,
    status: t.status,
    statusReason: t.status_reason,
    visitId: t.visit_id == null ? null : Number(t.visit_id),
    campaignId: t.campaign_id,
    reason: t.reason,
  }));
}

/** `f` remembered per argument for the life of the returned function. */
function once<A, V>(f: (a: A) => V): (a: A) => V {
  const seen = new Map<A, V>();
  return (a) => {
    if (!seen.has(a)) seen.set(a, f(a));
    return seen.get(a) as V;
  };
}

type TaskOut = z.infer<typeof api.Task>;

function presentVisitBrief(v: VisitRow): z.infer<typeof api.VisitBrief> {
  return {
    id: Number(v.id),
    clientId: v.client_id,
    personId: v.person_id,
    personName: v.person_name,
    visitorId: v.visitor_id,
    visitorName: v.visitor_name,
    at: v.at.toISOString(),
    method: v.method,
    outcome: v.outcome,
    qualifying: v.qualifying,
    durationMinutes: v.duration_minutes,
    notes: v.notes,
    checklistVersion: v.checklist_version,
    seasons: v.seasons,
    location:
      v.latitude != null && v.longitude != null
        ? { latitude: v.latitude, longitude: v.longitude, accuracy: v.location_accuracy }
        : null,
    openedAt: v.opened_at ? new Date(v.opened_at).toISOString() : null,
    submittedAt: v.submitted_at ? new Date(v.submitted_at).toISOString() : null,
    authenticity: presentAuthenticity(v),
    recordedBy: v.recorded_by,
    recordedAt: v.recorded_at.toISOString(),
  };
}

/**
 * A visit in the actor's scope as its brief and its answers (not audited: the caller audits the view
 * it is part of — the review page of modules/authenticity).
 */
export async function visitWithAnswers(ctx: Ctx, actor: Actor, id: number) {
  const d = await service.getVisit(ctx, actor, id, false, { completedTaskIds: [], fileCount: 0 });
  return { ...presentVisitBrief(d.visit), answers: d.visit.answers as Record<string, unknown> };
}

/** The visit's signals and their review (what the visitor, the town and the bureau see of it). */
export function presentAuthenticity(v: {
  signals: VisitRow['signals'];
  review_state: VisitRow['review_state'];
  review_note: string | null;
  reviewed_at: Date | string | null;
  rejected: boolean;
}): z.infer<typeof api.VisitAuthenticity> | null {
  if (!v.signals?.length && !v.review_state) return null;
  return {
    signals: v.signals ?? [],
    reviewState: v.review_state,
    reviewNote: v.review_note,
    reviewedAt: v.reviewed_at ? new Date(v.reviewed_at).toISOString() : null,
    rejected: v.rejected,
  };
}

function presentVisit(
  d: Awaited<ReturnType<typeof service.getVisit>>,
  today: string,
): z.infer<typeof api.Visit> {
  const id = Number(d.visit.id);
  const url = (f: { id: number }) => `/api/visits/${id}/files/${f.id}`;
  const sig = d.files.find((f) => f.kind === 'signature');
  // Object.assign onto the fresh brief, not a spread (test/hot-paths.test.ts; every visit's answer).
  return Object.assign(presentVisitBrief(d.visit), {
    answers: d.visit.answers,
    photos: d.files
      .filter((f) => f.kind === 'photo')
      .map((f) => ({ id: Number(f.id), url: url(f), size: f.size })),
    signatureUrl: sig ? url(sig) : null,
    completedTasks: presentTasks(d.tasks, today),
  });
}

const presentCampaign = (c: Awaited<ReturnType<typeof service.openCampaign>>): api.Campaign => ({
  id: c.id,
  name: c.name,
  kind: c.kind,
  areaId: c.area_id,
  areaName: c.area_name,
  selection: c.selection,
  opensAt: c.opens_at.toISOString(),
  deadline: c.deadline,
  note: c.note,
  checks: c.checks,
  taskCount: c.task_count,
  doneCount: c.done_count,
  openCount: c.open_count,
  version: c.version,
  closedAt: c.closed_at ? c.closed_at.toISOString() : null,
  closeReason: c.close_reason,
});

export function visitRoutes(app: FastifyInstance, ctx: Ctx) {
  const today = () => chinaDate(ctx.clock.now());

  route(app, api.listVisitTasks, async ({ req, actor }) => {
    const page = await service.listTasks(ctx, actor, req.query);
    return { items: presentTasks(page.items, page.today), nextCursor: page.nextCursor };
  });

  route(app, api.listPersonVisitTasks, async ({ req, actor }) => {
    const page = await service.listPersonTasks(ctx, actor, req.params.id, req.query);
    return { items: presentTasks(page.items, page.today), nextCursor: page.nextCursor };
  });

  route(app, api.listPersonVisits, async ({ req, actor }) => {
    const page = await service.listPersonVisits(ctx, actor, req.params.id, req.query);
    return { items: page.items.map(presentVisitBrief), nextCursor: page.nextCursor };
  });

  route(
    app,
    api.recordVisit,
    async ({ req, reply, actor }) => {
      const res = await service.recordVisit(ctx, actor, req.body);
      const d = res.view ?? (await service.getVisit(ctx, actor, res.visitId, false, res.known));
      return reply
        .code(res.repeated ? 200 : 201)
        .send(Object.assign(presentVisit(d, today()), { notice: res.notice }));
    },
    { bodyLimit: VISIT_BODY_LIMIT },
  );

  route(
    app,
    api.uploadVisitPhoto,
    async ({ req, reply, actor }) =>
      reply.code(201).send(await service.uploadVisitPhoto(ctx, actor, req.params.sha256, req.body.data)),
    { bodyLimit: PHOTO_BODY_LIMIT },
  );

  route(app, api.getVisit, async ({ req, actor }) =>
    presentVisit(await service.getVisit(ctx, actor, req.params.id), today()),
  );

  route(app, api.getVisitFile, async ({ req, reply, actor }) => {
    const f = await service.getVisitFile(ctx, actor, req.params.id, req.params.fileId);
    return reply
      .header('content-type', f.mime)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .send(f.content);
  });

  route(app, api.getChecklist, async ({ req, actor }) => service.checklistAt(ctx, actor, req.query));

  route(app, api.getVisitSettings, async ({ req, actor }) =>
    service.readSettings(ctx, actor, req.query.areaId ?? null),
  );

  route(app, api.putVisitSetting, async ({ req, actor }) => {
    let value: unknown = null;
    if (req.body.value != null) {
      const parsed = api.VISIT_SETTING_VALUES[req.body.key].safeParse(req.body.value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw badRequest(`设置值无效：${issue.message}`, ['value', ...issue.path].join('.'));
      }
      value = parsed.data;
    }
    return service.writeSetting(ctx, actor, { areaId: req.body.areaId, key: req.body.key, value });
  });

  route(app, api.listCampaigns, async ({ actor }) =>
    (await service.listCampaigns(ctx, actor)).map(presentCampaign),
  );

  route(app, api.openCampaign, async ({ req, actor }) =>
    presentCampaign(await service.openCampaign(ctx, actor, req.body)),
  );

  route(app, api.editCampaign, async ({ req, actor }) =>
    presentCampaign(await service.editCampaign(ctx, actor, req.params.id, req.body)),
  );

  route(app, api.closeCampaign, async ({ req, actor }) =>
    presentCampaign(await service.closeCampaign(ctx, actor, req.params.id, req.body)),
  );
}
