import { aboveTown, childColumnLabel, childLevel, levelRank } from '../../../shared/areas.js';
import { addDays, chinaDate } from '../../../shared/china-time.js';
import {
  AGREEMENT_EXPIRING_DAYS,
  ASSESSMENT_COMPONENTS,
  ASSESSMENT_WEIGHTS_KEY,
  type AssessmentWeights,
  assessmentScore,
  DEFAULT_ASSESSMENT_WEIGHTS,
  METRIC_IDS,
  METRICS,
  type MetricId,
  type MetricValue,
  periodStateOf,
  ratio,
} from '../../../shared/metrics.js';
import { type AreaLevel, can } from '../../../shared/roles.js';
import {
  DUE_SOON_DAYS,
  frequencyOf,
  isPeriod,
  periodOf,
  periodWindow,
  previousPeriod,
} from '../../../shared/schedule.js';
import { type Ctx, replicaDb } from '../../context.js';
import type { Db, Queryable } from '../../db/db.js';
import { badRequest, notFound } from '../../http/errors.js';
import { type Actor, inScope } from '../../http/scope.js';
import { appendAudit } from '../audit/index.js';
import { areaSettings, putSetting, systemSetting } from '../settings/index.js';
import * as repo from './repo.js';

/** Setting key and default of who needs a care agreement (owned by the care module's settings). */
const CARE_NEEDING_KEY = 'care.needingLevels';
const CARE_NEEDING_DEFAULT = ['partial', 'none'];

/** Bounds of a period key, seen from `now`. */
export function periodBounds(period: string, now: Date): repo.PeriodBounds {
  if (!isPeriod(period)) throw badRequest('期间格式应为 YYYY-MM 或 YYYY-MM-1 / YYYY-MM-2', 'period');
  const w = periodWindow(period);
  const today = chinaDate(now);
  return {
    start: w.start,
    end: w.end,
    startDate: w.startDate,
    endDate: w.endDate,
    now,
    today,
    dueSoonUntil: addDays(today, DUE_SOON_DAYS),
    expiringUntil: addDays(today, AGREEMENT_EXPIRING_DAYS),
  };
}

let tablesPresent: Promise<Set<string>> | undefined;
/**
 * Figures on incidents, concerns and care read tables other modules own; a figure whose table is
 * not installed is reported as unavailable instead of failing the whole dashboard.
 */
async function presentTables(q: Queryable): Promise<Set<string>> {
  tablesPresent ??= repo.tablesPresent(q, ['care_agreements', 'caregiver_reviews', 'incidents', 'concerns']);
  return tablesPresent;
}
const NEEDS: Partial<Record<MetricId, string>> = {
  agreementCoverage: 'care_agreements',
  agreementsExpiring: 'care_agreements',
  reviewPassRate: 'caregiver_reviews',
  incidentAckMedian: 'incidents',
  incidentAckWithin: 'incidents',
  incidentsOpen: 'incidents',
  rectificationOnTime: 'concerns',
  rectificationOverdue: 'concerns',
};

/** The figures this installation can compute. */
export async function availableMetrics(q: Queryable): Promise<MetricId[]> {
  const t = await presentTables(q);
  return METRIC_IDS.filter((m) => repo.FIGURES[m] && (!NEEDS[m] || t.has(NEEDS[m]!)));
}

export async function figureOptions(q: Queryable): Promise<repo.FigureOptions> {
  const levels = await systemSetting<string[] | undefined>(q, CARE_NEEDING_KEY, undefined);
  return { careNeedingLevels: Array.isArray(levels) ? levels : CARE_NEEDING_DEFAULT };
}

// ---------------------------------------------------------------------------------------------
// Figure counts: cell families from the kept cells (repo.ts "Figure cells"), the others live.
// ---------------------------------------------------------------------------------------------

/**
 * Brings the cells of the given periods and families up to date at `now`: the triggers' marks are
 * folded into the counters; one small query finds the (period, family) pairs not current as a whole;
 * for each such period, under its lock, the stale cells are found village by village (another
 * process may have just done the work), each family's recomputed by one grouped statement, and the
 * pair's summary written again. Periods are independent (each its own transaction and lock), so
 * `parallel` of them may be computed at once, each on its own connection (PostgreSQL only: PGlite
 * has one connection and runs transactions one after another).
 * Returns the number of (period, family, village) cells recomputed.
 */
export async function ensureCells(
  db: Db,
  periods: string[],
  families: repo.CellFamily[],
  now: Date,
  opts: repo.FigureOptions,
  parallel = 1,
): Promise<number> {
  if (!periods.length || !families.length) return 0;
  const keys = families.map((f) => repo.cellKey(f, opts));
  await db.tx((q) => repo.foldMarks(q));
  const unsettled = await repo.unsettledPeriods(db, periods, families, keys, now);
  let done = 0;
  const queue = [...new Set(unsettled.map((u) => u.period))];
  const computePeriod = async (period: string) => {
    const fams = families.filter((f) => unsettled.some((u) => u.period === period && u.family === f));
    const n = await db.tx(async (q) => {
      await repo.lockCellPeriod(q, period);
      const ks = fams.map((f) => keys[families.indexOf(f)]);
      const stale = await repo.staleCells(q, [period], fams, ks, now);
      for (const [i, f] of fams.entries()) {
        const mine = stale.filter((s) => s.family === f);
        if (mine.length) await repo.computeCells(q, f, period, periodBounds(period, now), mine, opts, ks[i]);
        await repo.settlePeriod(q, period, f, ks[i]);
      }
      return stale.length;
    });
    done += n; // not `done += await …`: that reads done before the wait, and the workers overlap
  };
  const worker = async () => {
    try {
      for (let period = queue.shift(); period; period = queue.shift()) await computePeriod(period);
    } catch (e) {
      queue.length = 0; // the other worker stops after its current period
      throw e;
    }
  };
  const workers = db.kind === 'postgresql' ? Math.max(1, Math.min(parallel, queue.length)) : 1;
  await Promise.all(Array.from({ length: workers }, worker));
  return done;
}

/**
 * The counts of the given figures for each period, shaped as repo.countFigures returns them: the
 * figures of cell families summed from their cells (brought up to date first), the others live.
 */
export async function figureCounts(
  ctx: Ctx,
  metrics: MetricId[],
  slice: repo.Slice,
  periods: string[],
  now: Date,
  group: repo.GroupKey,
  opts: repo.FigureOptions,
): Promise<Map<string, repo.GroupedCounts[]>> {
  const cached = metrics.filter((m) => repo.cellFamilyOf(m));
  const live = metrics.filter((m) => !repo.cellFamilyOf(m));
  const families = [...new Set(cached.map((m) => repo.cellFamilyOf(m)!))];
  await ensureCells(ctx.db, periods, families, now, opts);
  const [sums, ...liveCounts] = await Promise.all([
    // One sum per period, side by side: the 12 periods of a district's trends add up ~200,000 cells,
    // one statement on one core took ~165 ms at 1,000,000 persons.
    families.length
      ? Promise.all(periods.map((p) => repo.sumCells(ctx.db, [p], families, slice, group))).then(
          (parts) => new Map(parts.flatMap((m) => [...m])),
        )
      : new Map<string, repo.GroupedCounts[]>(),
    // The small families are counted live, on a replica when there is one (cells are kept on the
    // primary, which writes them).
    ...periods.map((p) =>
      live.length ? repo.countFigures(replicaDb(ctx), live, slice, periodBounds(p, now), group, opts) : [],
    ),
  ]);
  const out = new Map<string, repo.GroupedCounts[]>();
  periods.forEach((p, i) => {
    const merged = new Map<string, repo.GroupedCounts>();
    for (const g of [...(sums.get(p) ?? []), ...liveCounts[i]]) {
      const k = g.total ? 'total' : String(g.key);
      const m = merged.get(k) ?? { key: g.key, total: g.total, counts: {} };
      for (const id of metrics) if (g.counts[id]) m.counts[id] = g.counts[id];
      merged.set(k, m);
    }
    out.set(p, [...merged.values()]);
  });
  return out;
}

/** The periods the cells job keeps ready: this month and half-month and the 12 before each. */
export function keptPeriods(now: Date): { current: string[]; past: string[] } {
  const month = lastPeriods(periodOf(now, 'month'), 13);
  const half = lastPeriods(periodOf(now, 'half_month'), 13);
  return { current: [month.pop()!, half.pop()!], past: [...month, ...half] };
}

/** Kept periods computed at once by the `oversight.cells` job on PostgreSQL (see below). */
const CELLS_PARALLEL = 2;

/**
 * Job `oversight.cells`: recomputes the stale cells of the kept periods (the trends' families for past
 * periods, every cell family for the current ones), so dashboards rarely wait — after China midnight
 * the day-bound cells, after writes their villages. Two periods at a time on PostgreSQL (one per core
 * of a small database server): after a bulk load, when every kept period is stale, the wait is cut
 * from 258 to 147 s at 1,000,000 persons; in the usual run only one or two periods are stale.
 */
export async function refreshMetricCells(ctx: Ctx): Promise<{ cells: number }> {
  const now = ctx.clock.now();
  const opts = await figureOptions(ctx.db);
  const metrics = await availableMetrics(ctx.db);
  const fams = (ms: MetricId[]) => [...new Set(ms.map(repo.cellFamilyOf).filter((f) => f != null))];
  const { current, past } = keptPeriods(now);
  const cells =
    (await ensureCells(ctx.db, current, fams(metrics), now, opts, CELLS_PARALLEL)) +
    (await ensureCells(
      ctx.db,
      past,
      fams(metrics.filter((m) => !METRICS[m].asOfNow)),
      now,
      opts,
      CELLS_PARALLEL,
    ));
  return { cells };
}

/**
 * After a bulk load that bypassed the triggers (COPY with session_replication_role = replica, or rows
 * written before migration 009): forgets every cell and computes the kept periods again.
 */
export async function refreshAllMetricCells(ctx: Ctx): Promise<{ cells: number }> {
  await repo.forgetCells(ctx.db);
  return refreshMetricCells(ctx);
}

export interface SliceQuery {
  areaId?: number;
  visitorId?: number;
}

/**
 * The actor's slice: an area they may see (default: their widest area) and optionally a visitor.
 * A visitor without an area role sees only their own figures. Out-of-scope ids answer 404.
 */
export async function resolveSlice(ctx: Ctx, actor: Actor, f: SliceQuery) {
  const s = actor.scope;
  const hasArea = s.all || s.areaIds.length > 0;
  let area: {
    id: number;
    name: string;
    level: AreaLevel;
    kind: string;
    path: string;
    townIds?: number[];
  } | null = null;
  if (f.areaId != null) {
    const a = await repo.getAreaBrief(ctx.db, f.areaId);
    if (!a || !inScope(s, a.id)) throw notFound('辖区');
    area = a;
  } else if (s.all) {
    area = await repo.rootArea(ctx.db);
  } else if (s.areaIds.length) {
    // The widest granted area: a town before its villages.
    const grants = actor.grants.filter((g) => s.areaIds.includes(g.areaId));
    const briefs = await Promise.all(grants.map((g) => repo.getAreaBrief(ctx.db, g.areaId)));
    area = briefs.filter(Boolean).sort((a, b) => levelRank(a!.level) - levelRank(b!.level))[0] ?? null;
  }
  if (area && aboveTown(area.level))
    area = { ...area, townIds: await repo.townshipsUnder(ctx.db, area.path) };
  let visitorId = f.visitorId;
  if (!hasArea) {
    if (!s.visitor) throw notFound('辖区');
    if (visitorId != null && visitorId !== actor.userId) throw notFound('探访责任人');
    visitorId = actor.userId;
  }
  return { area, visitorId, scope: s } satisfies repo.Slice & { area: unknown };
}

function figureValue(m: MetricId, c: [number, number] | undefined): MetricValue {
  if (!c) return { value: null };
  const [base, counted] = c;
  if (METRICS[m].unit === 'ratio')
    return { value: ratio(counted, base), numerator: counted, denominator: base };
  if (METRICS[m].unit === 'minutes')
    return {
      value: base > 0 && Number.isFinite(counted) ? Math.round(counted * 10) / 10 : null,
      denominator: base,
    };
  return { value: base };
}

export interface FigureRow {
  id: number | null;
  name: string;
  figures: Partial<Record<MetricId, MetricValue>>;
}

/**
 * The figures of a period for the slice, and for each child (towns of the district, villages of a
 * town, visitors of a village or when `groupBy` is 'visitor').
 */
export async function getMetrics(
  ctx: Ctx,
  actor: Actor,
  f: SliceQuery & { period?: string; groupBy?: 'area' | 'visitor' },
) {
  const now = ctx.clock.now();
  const period = f.period ?? periodOf(now, 'month');
  periodBounds(period, now); // validates the period
  const slice = await resolveSlice(ctx, actor, f);
  const metrics = await availableMetrics(ctx.db);
  const group: repo.GroupKey =
    f.groupBy === 'visitor' || !slice.area || slice.area.level === 'village'
      ? slice.visitorId != null
        ? null
        : 'visitor_id'
      : slice.area.level === 'district'
        ? 'town_id'
        : aboveTown(slice.area.level)
          ? 'subarea_id'
          : 'village_id';
  const counts = (
    await figureCounts(ctx, metrics, slice, [period], now, group, await figureOptions(ctx.db))
  ).get(period)!;
  const total = counts.find((c) => c.total);
  const figures = Object.fromEntries(metrics.map((m) => [m, figureValue(m, total?.counts[m])]));
  let children: FigureRow[] = [];
  let childLabel = group === 'visitor_id' ? '探访责任人' : '';
  if (group) {
    const rows = counts.filter((c) => !c.total);
    const byKey = new Map(rows.map((r) => [r.key, r]));
    // Child areas are listed even when they have no records (a silent village is news too).
    const childAreas =
      group !== 'visitor_id' && slice.area ? await repo.childAreas(ctx.db, slice.area.id) : [];
    if (slice.area && group !== 'visitor_id') {
      const level = childLevel(slice.area.level);
      if (level)
        childLabel = childColumnLabel(
          level,
          childAreas.map((a) => a.kind),
        );
    }
    const keys: (number | null)[] =
      group !== 'visitor_id' && slice.area ? childAreas.map((a) => a.id) : rows.map((r) => r.key);
    for (const r of rows) if (!keys.includes(r.key)) keys.push(r.key);
    const names = await repo.namesOf(
      ctx.db,
      group,
      keys.filter((k): k is number => k != null),
    );
    children = keys.map((k) => ({
      id: k,
      name: k == null ? '（未分配）' : (names.get(k) ?? String(k)),
      // A child with no row of a family has none of its records: the same zeros as its own page's
      // total, so a figure reads the same whichever level it is read from.
      figures: Object.fromEntries(metrics.map((m) => [m, figureValue(m, byKey.get(k)?.counts[m] ?? [0, 0])])),
    }));
  }
  return {
    period,
    inProgress: periodStateOf(periodWindow(period), now) !== 'past',
    area: slice.area
      ? { id: slice.area.id, name: slice.area.name, level: slice.area.level, kind: slice.area.kind }
      : null,
    visitorId: slice.visitorId ?? null,
    childKind: group === 'visitor_id' ? ('visitor' as const) : group ? ('area' as const) : null,
    childLabel,
    figures,
    children,
    unavailable: METRIC_IDS.filter((m) => !metrics.includes(m)),
    computedAt: now,
  };
}

/** The last `count` periods (same frequency as `period`) ending with it, oldest first. */
export function lastPeriods(period: string, count: number): string[] {
  const out = [period];
  while (out.length < count) out.unshift(previousPeriod(out[0]));
  return out;
}

/** One figure family's values over the last 12 periods for the slice (no children). */
export async function getTrends(ctx: Ctx, actor: Actor, f: SliceQuery & { period?: string; count?: number }) {
  const now = ctx.clock.now();
  const period = f.period ?? periodOf(now, 'month');
  periodBounds(period, now);
  const slice = await resolveSlice(ctx, actor, f);
  const metrics = (await availableMetrics(ctx.db)).filter((m) => !METRICS[m].asOfNow);
  const opts = await figureOptions(ctx.db);
  const periods = lastPeriods(period, f.count ?? 12);
  const counts = await figureCounts(ctx, metrics, slice, periods, now, null, opts);
  const series = periods.map((p) => {
    const total = counts.get(p)!.find((c) => c.total);
    return {
      period: p,
      inProgress: periodStateOf(periodWindow(p), now) !== 'past',
      figures: Object.fromEntries(metrics.map((m) => [m, figureValue(m, total?.counts[m])])),
    };
  });
  return { frequency: frequencyOf(period), periods: series };
}

/** The records behind one figure (the denominator's for ratios, unless part = 'counted'). */
export async function getRecords(
  ctx: Ctx,
  actor: Actor,
  metric: MetricId,
  f: SliceQuery & { period?: string; part?: 'base' | 'counted'; after?: number; limit?: number },
) {
  const available = await availableMetrics(ctx.db);
  if (!available.includes(metric)) throw notFound('指标');
  const now = ctx.clock.now();
  const period = f.period ?? periodOf(now, 'month');
  const bounds = periodBounds(period, now);
  const slice = await resolveSlice(ctx, actor, f);
  const opts = { ...(await figureOptions(ctx.db)), part: f.part ?? 'base', after: f.after ?? 0 };
  const limit = f.limit ?? 200;
  const [list, total] = await Promise.all([
    repo.listFigureRecords(replicaDb(ctx), metric, slice, bounds, { ...opts, limit }),
    repo.countFigureRecords(replicaDb(ctx), metric, slice, bounds, opts),
  ]);
  const maskNames = !can(actor.roles, 'persons.read');
  return {
    metric,
    period,
    part: opts.part,
    recordKind: list.kind,
    total,
    nextAfter: list.rows.length === limit ? list.rows[list.rows.length - 1].id : null,
    items: list.rows.map((r) => ({
      id: r.id,
      personId: r.person_id,
      personName: maskNames ? `${r.person_name.slice(0, 1)}**` : r.person_name,
      townName: r.town_name,
      villageName: r.village_name,
      visitorName: r.visitor_name,
      status: r.status,
      label: r.name,
      extra: r.self_care,
      at: r.at,
      dueDate: r.due_date,
      detail: r.detail,
      counted: !!r.counted,
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Town assessment (考核)
// ---------------------------------------------------------------------------------------------

/**
 * The weights an area ranks its children by: set on the area or the nearest one above it (a city sets
 * them for its counties, a county for its townships), else the system row, else the defaults.
 */
export async function getAssessmentWeights(
  q: Queryable,
  areaId: number | null = null,
): Promise<AssessmentWeights> {
  const { [ASSESSMENT_WEIGHTS_KEY]: w } = await areaSettings<Record<string, AssessmentWeights | undefined>>(
    q,
    areaId,
    { [ASSESSMENT_WEIGHTS_KEY]: undefined },
  );
  return w && typeof w === 'object'
    ? { ...DEFAULT_ASSESSMENT_WEIGHTS, ...w }
    : { ...DEFAULT_ASSESSMENT_WEIGHTS };
}

/** The weights in force for the area the actor ranks (default: their widest area). */
export async function readAssessmentWeights(ctx: Ctx, actor: Actor, f: { areaId?: number }) {
  const slice = await resolveSlice(ctx, actor, { areaId: f.areaId });
  return getAssessmentWeights(ctx.db, slice.area?.id ?? null);
}

export async function setAssessmentWeights(
  ctx: Ctx,
  actor: Actor,
  weights: AssessmentWeights,
  areaId?: number,
) {
  // The area whose children these weights rank: the one named, else the actor's widest (the root for
  // a bureau of the whole tree, whose weights are also the system's).
  const slice = await resolveSlice(ctx, actor, { areaId });
  if (slice.area && !aboveTown(slice.area.level))
    throw badRequest('考核权重由旗县区及以上的民政部门设置', 'areaId');
  const target = slice.area && slice.area.id !== (await repo.rootArea(ctx.db))?.id ? slice.area.id : null;
  const clean: AssessmentWeights = {};
  for (const m of ASSESSMENT_COMPONENTS) {
    const v = weights[m];
    if (v == null) continue;
    if (!Number.isFinite(v) || v < 0 || v > 100) throw badRequest(`${METRICS[m].label}的权重应为 0–100`, m);
    clean[m] = v;
  }
  if (!Object.values(clean).some((v) => (v ?? 0) > 0)) throw badRequest('至少一项权重应大于 0', 'weights');
  const full = { ...Object.fromEntries(ASSESSMENT_COMPONENTS.map((m) => [m, 0])), ...clean };
  await ctx.db.tx(async (q) => {
    await putSetting(q, {
      areaId: target,
      key: ASSESSMENT_WEIGHTS_KEY,
      value: full,
      by: actor.userId,
      now: ctx.clock.now(),
    });
    await appendAudit(q, {
      at: ctx.clock.now(),
      actorId: actor.userId,
      action: 'oversight.weights',
      entity: 'settings',
      entityId: ASSESSMENT_WEIGHTS_KEY,
      areaId: target,
      detail: full,
    });
  });
  return full as AssessmentWeights;
}

/**
 * Each child area's weighted score for a month, best first, with its components: a county's townships,
 * a city's counties, a region's cities (a township or village: its own row). The neutral value of an
 * indicator a child has no (or few) records in is the ranking area's (shared/metrics.ts
 * assessmentScore) — for a township's own row, its county's — so those figures are read too: only
 * sums over whole townships, no records.
 */
export async function getAssessment(ctx: Ctx, actor: Actor, f: { period?: string; areaId?: number }) {
  const now = ctx.clock.now();
  const period = f.period ?? periodOf(now, 'month');
  if (!/^\d{4}-\d{2}$/.test(period)) throw badRequest('考核按月进行：期间格式应为 YYYY-MM', 'period');
  const m = await getMetrics(ctx, actor, { period, areaId: f.areaId });
  const ranksChildren = !!m.area && aboveTown(m.area.level);
  const reference = ranksChildren ? m.area!.id : m.area ? await repo.countyOf(ctx.db, m.area.id) : null;
  const weights = await getAssessmentWeights(ctx.db, reference);
  const district = ranksChildren
    ? m.figures
    : await districtFigures(ctx, period, now, ASSESSMENT_COMPONENTS, reference);
  const rows = (
    ranksChildren ? m.children : [{ id: m.area?.id ?? null, name: m.area?.name ?? '', figures: m.figures }]
  ).map((c) => {
    const s = assessmentScore(c.figures, weights, district);
    return { areaId: c.id, name: c.name, score: s.score, components: s.components, rank: 0 };
  });
  rows.sort((a, b) => (b.score ?? -1) - (a.score ?? -1));
  rows.forEach((r, i) => {
    r.rank = i > 0 && rows[i - 1].score === r.score ? rows[i - 1].rank : i + 1;
  });
  return {
    period,
    inProgress: m.inProgress,
    weights,
    childLabel: ranksChildren
      ? m.childLabel
      : m.area
        ? (await repo.getAreaBrief(ctx.db, m.area.id))!.kind
        : '',
    district: Object.fromEntries(ASSESSMENT_COMPONENTS.map((k) => [k, district[k] ?? { value: null }])),
    towns: rows,
  };
}

/**
 * The figures of a whole county (or of the root when `areaId` is null): sums over every township of it,
 * nothing of any record is shown.
 */
async function districtFigures(ctx: Ctx, period: string, now: Date, ids: MetricId[], areaId: number | null) {
  const a = areaId != null ? await repo.getAreaBrief(ctx.db, areaId) : await repo.rootArea(ctx.db);
  const metrics = (await availableMetrics(ctx.db)).filter((m) => ids.includes(m));
  const slice: repo.Slice = {
    area: a && aboveTown(a.level) ? { ...a, townIds: await repo.townshipsUnder(ctx.db, a.path) } : a,
    scope: { userId: 0, all: true, areaIds: [], visitor: false, departments: [] },
  };
  const counts = (
    await figureCounts(ctx, metrics, slice, [period], now, null, await figureOptions(ctx.db))
  ).get(period)!;
  const total = counts.find((c) => c.total);
  return Object.fromEntries(metrics.map((k) => [k, figureValue(k, total?.counts[k])])) as Partial<
    Record<MetricId, MetricValue>
  >;
}
