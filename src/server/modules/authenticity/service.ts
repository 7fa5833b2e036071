import { randomBytes } from 'node:crypto';
import {
  AUTHENTICITY_DEFAULTS,
  AUTHENTICITY_RULE_LABELS,
  AUTHENTICITY_SETTING_KEYS,
  type AuthenticitySettings,
  assessVisit,
  drawSample,
  HOME_RULES,
  homeSignals,
  type Point,
  REVIEW_STATE_LABELS,
  type ReviewState,
  replaceHomeSignals,
  reviewNeedsNote,
  SPOT_CHECK_RESULT_LABELS,
  type SpotCheckResult,
} from '../../../shared/authenticity.js';
import {
  chinaDate,
  chinaDateTime,
  chinaDayStart,
  chinaMonth,
  chinaMonthBounds,
} from '../../../shared/china-time.js';
import type { Ctx } from '../../context.js';
import type { Queryable } from '../../db/db.js';
import { badRequest, conflict, notFound } from '../../http/errors.js';
import { type Actor, inScope } from '../../http/scope.js';
import { getArea } from '../areas/index.js';
import { appendAudit } from '../audit/index.js';
import { openConcern } from '../concerns/index.js';
import { notify } from '../notifications/index.js';
import { getPersonById, getPersonInScope, insertPersonEvent } from '../persons/index.js';
import {
  areaSettings,
  areaSettingsWithSource,
  putSetting,
  resolveSettings,
  valuesOf,
} from '../settings/index.js';
import type { VisitAssessor } from '../visits/index.js';
import { authenticityInputsSql, type InputsJson, inputsFrom } from './inputs.js';
import * as repo from './repo.js';

/** The visits module's hook: lookups in its context read, the rules before its insert (registry). */
export const authenticityAssessor: VisitAssessor = {
  settingKeys: AUTHENTICITY_SETTING_KEYS,
  inputsSql: authenticityInputsSql,
  assess: (inputs, visit, rows) =>
    assessVisit(
      inputsFrom(inputs as InputsJson | null, visit),
      valuesOf(resolveSettings(AUTHENTICITY_DEFAULTS, rows)),
    ),
};

export const authenticitySettings = (ctx: Ctx, areaId: number | null): Promise<AuthenticitySettings> =>
  areaSettings(ctx.db, areaId, AUTHENTICITY_DEFAULTS);

/** Month 'YYYY-MM' → [first day 00:00 China, next month's first day). */
export function monthWindow(month: string): { from: Date; to: Date } {
  const b = chinaMonthBounds(chinaDayStart(`${month}-01`));
  return { from: b.start, to: b.end };
}

// ---------------------------------------------------------------------------------------------
// Review queue
// ---------------------------------------------------------------------------------------------

export async function listReviews(
  ctx: Ctx,
  actor: Actor,
  o: { state?: ReviewState; areaId?: number; month?: string; cursor?: string; limit: number },
) {
  if (o.areaId != null) {
    const area = await getArea(ctx.db, o.areaId);
    if (!area || !inScope(actor.scope, area.id)) throw notFound('辖区');
  }
  let after: { at: Date; id: number } | undefined;
  if (o.cursor) {
    const [at, id] = Buffer.from(o.cursor, 'base64url').toString().split('|');
    const d = new Date(at);
    if (Number.isNaN(d.getTime()) || !/^\d+$/.test(id ?? '')) throw badRequest('分页游标无效', 'cursor');
    after = { at: d, id: Number(id) };
  }
  const w = o.month ? monthWindow(o.month) : undefined;
  const rows = await repo.listReviews(ctx.db, actor.scope, {
    state: o.state ?? 'pending',
    areaId: o.areaId,
    from: w?.from,
    to: w?.to,
    after,
    limit: o.limit + 1,
  });
  const more = rows.length > o.limit;
  const items = rows.slice(0, o.limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor:
      more && last ? Buffer.from(`${last.at.toISOString()}|${last.visit_id}`).toString('base64url') : null,
  };
}

/** A flagged visit with the visits its signals point at (each in the actor's scope) and the home point. */
export async function getReview(ctx: Ctx, actor: Actor, visitId: number) {
  const item = await repo.getReview(ctx.db, actor.scope, visitId);
  if (!item) throw notFound('待核查探访');
  const related: { rule: string; id: number }[] = [];
  for (const s of item.signals ?? []) {
    for (const key of ['otherVisitId', 'otherVisitIds'] as const) {
      const v = s.evidence[key];
      if (v == null) continue;
      for (const id of String(v).split(',').map(Number).filter(Number.isFinite))
        related.push({ rule: s.rule, id });
    }
  }
  const visible = new Set(
    (
      await repo.visitBriefs(
        ctx.db,
        actor.scope,
        related.map((r) => r.id),
      )
    ).map((r) => Number(r.id)),
  );
  const home = await repo.homePoint(ctx.db, item.person_id);
  await appendAudit(ctx.db, {
    at: ctx.clock.now(),
    actorId: actor.userId,
    action: 'visit.view',
    entity: 'visit',
    entityId: visitId,
    areaId: item.village_id,
    detail: { review: true },
  });
  return {
    item,
    related: related.filter((r) => visible.has(r.id)).slice(0, 6),
    home,
  };
}

/**
 * The town's decision. Confirm needs nothing; explain and reject need a note. A rejection takes the
 * visit out of qualifying (repo.decide), reopens or misses its tasks, writes the person's timeline,
 * tells the visitor (an inbox row with the reasons, the note and what became of the task, on their
 * own channels: `visit.rejected`) and is audited — one transaction. Confirm and explain notify nobody:
 * the visit still counts and the visitor has nothing to do (the phone's recent visits show the state).
 */
export async function decideReview(
  ctx: Ctx,
  actor: Actor,
  visitId: number,
  d: { decision: Exclude<ReviewState, 'pending'>; note?: string },
) {
  const note = d.note?.trim() || null;
  if (reviewNeedsNote(d.decision) && !note)
    throw badRequest(d.decision === 'rejected' ? '不予认定须写明理由' : '请填写情况说明', 'note');
  const now = ctx.clock.now();
  await ctx.db.tx(async (q) => {
    const item = await repo.getReview(q, actor.scope, visitId);
    if (!item) throw notFound('待核查探访');
    if (item.review_state !== 'pending')
      throw conflict(`该探访已核查（${REVIEW_STATE_LABELS[item.review_state]}），不能再次核查`, 'decision');
    const done = await repo.decide(q, { visitId, state: d.decision, note, by: actor.userId, now });
    if (!done) throw conflict('该探访已被他人核查，请刷新', 'decision');
    const reopened = d.decision === 'rejected' ? await repo.reopenTasksOf(q, visitId, now) : [];
    const tasks = reopened.map((t) => ({ id: t.id, status: t.status }));
    if (d.decision === 'rejected')
      await notify(q, {
        recipients: [item.visitor_id],
        kind: 'visit.rejected',
        title: `探访不予认定：${item.person_name} ${chinaDateTime(item.at)}`,
        body: rejectionBody(item, note ?? '', reopened),
        ref: { entity: 'visit', id: visitId },
        dedupeKey: `visit.rejected:${visitId}`,
        now,
        groups: false,
      });
    const rules = (item.signals ?? []).map((s) => AUTHENTICITY_RULE_LABELS[s.rule]).join('、');
    await insertPersonEvent(q, {
      personId: item.person_id,
      at: now,
      kind: 'visit_review',
      title: `探访真实性核查：${REVIEW_STATE_LABELS[d.decision]}`,
      detail: { visitId, decision: d.decision, note, rules, tasks },
      actorId: actor.userId,
      refEntity: 'visit',
      refId: visitId,
    });
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'visit.review',
      entity: 'visit',
      entityId: visitId,
      areaId: item.village_id,
      detail: { decision: d.decision, note, signals: (item.signals ?? []).map((s) => s.rule), tasks },
    });
  });
  return (await repo.getReview(ctx.db, actor.scope, visitId))!;
}

/**
 * What the visitor is told when the town rejects their visit: the reasons it was flagged, the town's
 * note, and what became of the tasks it had completed (open again until the window's last day, done
 * by another visit, or missed).
 */
export function rejectionBody(
  item: Pick<repo.ReviewRow, 'signals'>,
  note: string,
  tasks: readonly { status: 'open' | 'done' | 'missed'; window_end: Date }[],
): string {
  const rules = (item.signals ?? []).map((s) => AUTHENTICITY_RULE_LABELS[s.rule]).join('、');
  const parts = [`疑点：${rules || '无'}。镇街核查意见：${note}。该次探访不再计入。`];
  const open = tasks.filter((t) => t.status === 'open');
  if (open.length) {
    const last = open.map((t) => chinaDate(new Date(t.window_end.getTime() - 1))).sort()[0];
    parts.push(`它完成的探访任务已重新打开，请在 ${last} 前重新探访。`);
  }
  if (tasks.some((t) => t.status === 'missed')) parts.push('任务周期已过，相应任务记为未完成。');
  if (tasks.some((t) => t.status === 'done')) parts.push('同一周期内另有有效探访，相应任务仍为已完成。');
  if (!tasks.length) parts.push('该次探访未完成探访任务，任务不受影响。');
  return parts.join('');
}

// ---------------------------------------------------------------------------------------------
// Home points
// ---------------------------------------------------------------------------------------------

async function personOf(ctx: Ctx, actor: Actor, id: number) {
  const p = await getPersonInScope(ctx.db, actor.scope, id);
  if (!p) throw notFound('探访对象');
  return p;
}

export async function getHomePoint(ctx: Ctx, actor: Actor, personId: number) {
  await personOf(ctx, actor, personId);
  const [current, history] = await Promise.all([
    repo.homePoint(ctx.db, personId),
    repo.homePointHistory(ctx.db, personId),
  ]);
  const proposal = current ? undefined : await repo.firstLocatedVisit(ctx.db, personId);
  return { current: current ?? null, history, proposal: proposal ?? null };
}

/** Sets the home point from coordinates, or confirms one of the person's consented visit locations. */
export async function setHomePoint(
  ctx: Ctx,
  actor: Actor,
  personId: number,
  b: { latitude: number; longitude: number; note?: string } | { fromVisitId: number; note?: string },
) {
  const person = await personOf(ctx, actor, personId);
  const now = ctx.clock.now();
  let point: {
    latitude: number;
    longitude: number;
    source: 'officer' | 'visit';
    sourceVisitId: number | null;
  };
  if ('fromVisitId' in b) {
    const v = await repo.firstLocatedVisit(ctx.db, personId, b.fromVisitId);
    if (!v) throw badRequest('该探访没有经本人同意记录的上门定位', 'fromVisitId');
    point = { latitude: v.latitude, longitude: v.longitude, source: 'visit', sourceVisitId: Number(v.id) };
  } else point = { latitude: b.latitude, longitude: b.longitude, source: 'officer', sourceVisitId: null };
  await ctx.db.tx(async (q) => {
    await repo.putHomePoint(q, { personId, ...point, by: actor.userId, now, note: b.note?.trim() || null });
    const recomputed = await recomputeHomeSignals(q, { personId, home: point, actorId: actor.userId, now });
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'person.home_point',
      entity: 'person',
      entityId: personId,
      areaId: person.village_id,
      detail: { source: point.source, sourceVisitId: point.sourceVisitId, recomputed },
    });
  });
  return (await repo.homePoint(ctx.db, personId))!;
}

/**
 * Removes a person's home point (set by mistake, or the person moved and the new place is not known
 * yet): the place rules say "no reference" again, and the stored visits' place signals go with it.
 */
export async function removeHomePoint(ctx: Ctx, actor: Actor, personId: number, note?: string) {
  const person = await personOf(ctx, actor, personId);
  const now = ctx.clock.now();
  await ctx.db.tx(async (q) => {
    const removed = await repo.deleteHomePoint(q, {
      personId,
      by: actor.userId,
      now,
      note: note?.trim() || null,
    });
    if (!removed) throw notFound('住址坐标');
    const recomputed = await recomputeHomeSignals(q, { personId, home: null, actorId: actor.userId, now });
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'person.home_point_removed',
      entity: 'person',
      entityId: personId,
      areaId: person.village_id,
      detail: {
        latitude: removed.latitude,
        longitude: removed.longitude,
        note: note?.trim() || null,
        recomputed,
      },
    });
  });
}

/**
 * The home point changed (set, moved, confirmed from a visit, removed): the home-point rules (place,
 * photo place — `HOME_RULES`) are computed again for the person's stored visits with the same pure
 * functions as on arrival, the thresholds of each visit's village, inside the home point's
 * transaction. Which visits: those of the current and the previous China month, and older ones still
 * waiting for review. A month before that is closed — its figures, its monthly report and its spot
 * check draw were made from the signals as they stood, and its visits were not reviewed against this
 * point —, while the previous month's report and draw are usually made in the first days of the
 * next, so a point confirmed after a first visit late in a month still reaches it; a pending visit
 * is in the queue now and must show what it would show today. An unreviewed visit enters the queue
 * when a signal appears and leaves it when its last one goes; a reviewed visit keeps its decision
 * (`repo.setSignals`), the queue marking that its signals changed after it. Each changed visit is
 * audited (`visit.signals`: the home-point signals before and after). Returns the changed visit ids.
 */
export async function recomputeHomeSignals(
  q: Queryable,
  o: { personId: number; home: Point | null; actorId: number; now: Date },
): Promise<number[]> {
  const [y, m] = chinaMonth(o.now).split('-').map(Number);
  const previous = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
  const since = monthWindow(previous).from;
  const rows = await repo.visitsForHomeSignals(q, o.personId, since);
  const settings = new Map<number, AuthenticitySettings>();
  const changed: number[] = [];
  for (const v of rows) {
    let s = settings.get(v.village_id);
    if (!s) {
      s = await areaSettings(q, v.village_id, AUTHENTICITY_DEFAULTS);
      settings.set(v.village_id, s);
    }
    const fresh = homeSignals(
      {
        method: v.method,
        location:
          v.latitude != null && v.longitude != null
            ? { latitude: v.latitude, longitude: v.longitude, accuracy: v.location_accuracy }
            : null,
        photos: v.photo_meta ?? [],
        home: o.home,
      },
      s,
    );
    const before = (v.signals ?? []).filter((x) => HOME_RULES.includes(x.rule));
    const key = (list: readonly { rule: string; reason: string }[]) =>
      JSON.stringify(list.map((x) => [x.rule, x.reason]));
    if (key(before) === key(fresh)) continue;
    const signals = replaceHomeSignals(v.signals, fresh);
    await repo.setSignals(q, v.id, signals, o.now);
    await appendAudit(q, {
      at: o.now,
      actorId: o.actorId,
      action: 'visit.signals',
      entity: 'visit',
      entityId: v.id,
      areaId: v.village_id,
      detail: {
        cause: o.home ? 'home_point' : 'home_point_removed',
        before: before.map((x) => x.reason),
        after: fresh.map((x) => x.reason),
        reviewState: v.review_state,
      },
    });
    changed.push(v.id);
  }
  return changed;
}

// ---------------------------------------------------------------------------------------------
// Spot checks
// ---------------------------------------------------------------------------------------------

/**
 * Draws the month's sample for one town or every town in reach: the town's qualifying visits of the
 * month, size max(min, ⌈rate × n⌉), flagged ones weighted up, from a seed recorded with the draw (a
 * chosen one, or 16 random bytes). A town already drawn for the month keeps its draw (409 for one town).
 */
export async function drawSpotChecks(
  ctx: Ctx,
  actor: Actor,
  b: { month: string; townId?: number; seed?: string },
) {
  const towns = b.townId != null ? [b.townId] : await townsInReach(ctx, actor);
  const now = ctx.clock.now();
  const w = monthWindow(b.month);
  if (w.from > now) throw badRequest('不能抽取尚未开始的月份', 'month');
  const ids: number[] = [];
  for (const townId of towns) {
    const area = await getArea(ctx.db, townId);
    if (!area || area.level !== 'town' || !inScope(actor.scope, townId)) throw notFound('镇街');
    const s = (await authenticitySettings(ctx, townId))['authenticity.spotCheck'];
    const seed = b.seed ?? randomBytes(16).toString('hex');
    const population = await repo.drawPopulation(ctx.db, townId, w.from, w.to);
    const sample = drawSample(population, { seed: `${seed}:${townId}:${b.month}`, ...s, min: s.min });
    const id = await ctx.db.tx(async (q) => {
      const id = await repo.insertDraw(q, {
        townId,
        month: b.month,
        seed,
        rate: s.rate,
        minimum: s.min,
        flaggedWeight: s.flaggedWeight,
        population: population.length,
        by: actor.userId,
        now,
        visitIds: sample,
      });
      if (id == null) return null;
      await appendAudit(q, {
        at: now,
        actorId: actor.userId,
        action: 'spot_check.draw',
        entity: 'spot_check_draw',
        entityId: id,
        areaId: townId,
        detail: { month: b.month, seed, population: population.length, size: sample.length },
      });
      return id;
    });
    if (id == null) {
      if (b.townId != null) throw conflict(`${area.name} ${b.month} 已抽取过样本`, 'month');
      continue;
    }
    ids.push(id);
  }
  return Promise.all(ids.map(async (id) => (await repo.getDraw(ctx.db, id))!));
}

async function townsInReach(ctx: Ctx, actor: Actor): Promise<number[]> {
  return repo.townIdsInReach(ctx.db, actor.scope);
}

export const listDraws = (ctx: Ctx, actor: Actor, month?: string) =>
  repo.listDraws(ctx.db, actor.scope, month);

export async function listSpotChecks(
  ctx: Ctx,
  actor: Actor,
  f: { month?: string; townId?: number; assignee?: string; open?: 'true' | 'false' },
) {
  let assignee: number | undefined;
  if (f.assignee === 'me') assignee = actor.userId;
  else if (f.assignee) {
    if (!/^\d+$/.test(f.assignee)) throw badRequest('assignee 应为 me 或用户编号', 'assignee');
    assignee = Number(f.assignee);
  }
  return repo.listSpotChecks(ctx.db, actor.scope, {
    month: f.month,
    townId: f.townId,
    assignee,
    open: f.open == null ? undefined : f.open === 'true',
  });
}

async function checkInScope(ctx: Ctx, actor: Actor, id: number) {
  const c = await repo.getSpotCheck(ctx.db, id);
  if (!c || !inScope(actor.scope, c.town_id)) throw notFound('回访抽查');
  return c;
}

export async function assignSpotCheck(
  ctx: Ctx,
  actor: Actor,
  id: number,
  b: { userId: number; version: number },
) {
  const c = await checkInScope(ctx, actor, id);
  if (!(await repo.isBureauChecker(ctx.db, b.userId)))
    throw badRequest('只能分派给民政局工作人员（管理员或督导）', 'userId');
  const now = ctx.clock.now();
  await ctx.db.tx(async (q) => {
    if (!(await repo.assignSpotCheck(q, id, b.userId, b.version)))
      throw conflict('记录已被他人修改，请刷新后重试', 'version');
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'spot_check.assign',
      entity: 'spot_check',
      entityId: id,
      areaId: c.town_id,
      detail: { userId: b.userId },
    });
  });
  return (await repo.getSpotCheck(ctx.db, id))!;
}

/**
 * The result of a spot check. "Not confirmed" opens a concern for the town (modules/concerns), its
 * id kept on the check; the result can be recorded once (409 after).
 */
export async function recordSpotCheck(
  ctx: Ctx,
  actor: Actor,
  id: number,
  b: { result: SpotCheckResult; note?: string; version: number },
) {
  const c = await checkInScope(ctx, actor, id);
  if (c.result) throw conflict('该抽查已登记结果', 'result');
  const note = b.note?.trim() || null;
  if (b.result !== 'confirmed' && !note) throw badRequest('请填写回访情况说明', 'note');
  const now = ctx.clock.now();
  await ctx.db.tx(async (q) => {
    if (
      !(await repo.recordSpotCheck(q, {
        id,
        result: b.result,
        note,
        by: actor.userId,
        now,
        version: b.version,
      }))
    )
      throw conflict('记录已被他人修改，请刷新后重试', 'version');
    let concernId: number | null = null;
    if (b.result === 'not_confirmed') {
      const person = await getPersonById(q, c.person_id);
      if (person) {
        concernId = await openConcern(q, {
          person,
          category: 'other',
          description: `回访抽查：${c.month} 的探访（${c.visit_at.toISOString().slice(0, 10)}，探访人 ${c.visitor_name}）经回访不属实。${note ?? ''}`,
          source: 'manual',
          visitId: Number(c.visit_id),
          sourceItem: `spot_check.${id}`,
          actorId: actor.userId,
          now,
        });
        if (concernId != null) await repo.setSpotCheckConcern(q, id, concernId);
      }
    }
    await insertPersonEvent(q, {
      personId: c.person_id,
      at: now,
      kind: 'spot_check',
      title: `回访抽查：${SPOT_CHECK_RESULT_LABELS[b.result]}`,
      detail: { visitId: Number(c.visit_id), result: b.result, note, concernId },
      actorId: actor.userId,
      refEntity: 'visit',
      refId: Number(c.visit_id),
    });
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'spot_check.result',
      entity: 'spot_check',
      entityId: id,
      areaId: c.town_id,
      detail: { result: b.result, note, concernId },
    });
  });
  return (await repo.getSpotCheck(ctx.db, id))!;
}

// ---------------------------------------------------------------------------------------------
// Thresholds (area settings, inherited)
// ---------------------------------------------------------------------------------------------

export async function readSettings(ctx: Ctx, actor: Actor, areaId: number | null) {
  if (areaId != null) {
    const area = await getArea(ctx.db, areaId);
    if (!area || !inScope(actor.scope, areaId)) throw notFound('辖区');
  }
  const values = await areaSettingsWithSource(ctx.db, areaId, AUTHENTICITY_DEFAULTS);
  const names = new Map<number, string>();
  for (const v of Object.values(values))
    if (typeof v.source === 'number' && !names.has(v.source))
      names.set(v.source, (await getArea(ctx.db, v.source))?.name ?? String(v.source));
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [
      k,
      {
        value: v.value,
        source: v.source,
        sourceName:
          v.source === 'default' ? '系统默认' : v.source === null ? '全区设置' : (names.get(v.source) ?? ''),
        own: v.source === areaId,
      },
    ]),
  );
}

/** Sets (or with value null clears, so it inherits again) one threshold; the value checked by its schema. */
export async function writeSetting(
  ctx: Ctx,
  actor: Actor,
  s: { areaId: number | null; key: keyof AuthenticitySettings; value: unknown },
  check: (key: keyof AuthenticitySettings, value: unknown) => string | null,
) {
  if (s.areaId != null) {
    const area = await getArea(ctx.db, s.areaId);
    if (!area || !inScope(actor.scope, s.areaId)) throw notFound('辖区');
  }
  if (s.value != null) {
    const err = check(s.key, s.value);
    if (err) throw badRequest(err, 'value');
  }
  const now = ctx.clock.now();
  await ctx.db.tx(async (q) => {
    await putSetting(q, { areaId: s.areaId, key: s.key, value: s.value, by: actor.userId, now });
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: s.value == null ? 'setting.clear' : 'setting.set',
      entity: 'setting',
      entityId: s.key,
      areaId: s.areaId,
      detail: { key: s.key, value: s.value as never },
    });
  });
  return readSettings(ctx, actor, s.areaId);
}
