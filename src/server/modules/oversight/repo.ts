/**
 * The SQL behind every oversight figure. Each figure is a pair of predicates over one base table
 * (the "family"): `base` selects the records it counts (a ratio's denominator) and `counted` the
 * numerator among them. The figure query counts them with one grouped scan per family, and the
 * drill-down lists `base [and counted]` with the very same predicates — so a drill-down always
 * lists exactly the records that make up its number.
 */
import { createHash } from 'node:crypto';
import { addDays, chinaDayStart } from '../../../shared/china-time.js';
import type { MetricId, RecordKind } from '../../../shared/metrics.js';
import type { AreaLevel } from '../../../shared/roles.js';
import type { Queryable } from '../../db/db.js';
import { sql } from '../../db/sql.js';
import type { Scope } from '../../http/scope.js';

/** Positional parameter binder: `b.v(x)` pushes x and returns its placeholder. */
export class Binder {
  readonly params: unknown[] = [];
  v(x: unknown, cast = ''): string {
    this.params.push(x);
    return `$${this.params.length}${cast}`;
  }
}

/** The instants and days a period (and "now") stand for. */
export interface PeriodBounds {
  start: Date;
  end: Date;
  startDate: string;
  endDate: string;
  now: Date;
  today: string;
  /** today + DUE_SOON_DAYS */
  dueSoonUntil: string;
  /** today + AGREEMENT_EXPIRING_DAYS */
  expiringUntil: string;
}

/** Whose records: an area subtree, and optionally one visitor; always within the actor's scope. */
export interface Slice {
  /**
   * Above the township (county, city, region), `townIds` are the townships of the subtree, given as
   * values (see ledger's LedgerSlice for why not a subquery), and `path` the area's path, by which
   * 'subarea_id' finds the child area a township lies under.
   */
  area: { id: number; level: AreaLevel; path?: string; townIds?: number[] } | null;
  visitorId?: number;
  scope: Scope;
}

/** How rows are split: by the child area under the slice's area, or by visitor. */
export type GroupKey = 'town_id' | 'village_id' | 'visitor_id' | 'subarea_id' | null;

/**
 * The SQL of a group key on a family's columns. 'subarea_id' is the child of the slice's area (a city's
 * counties, a region's cities) that the row's township lies under: the id at the child's depth in the
 * township's path ('/city/county/town/'), so any level sums from the same township rows.
 */
function groupExpr(group: Exclude<GroupKey, null>, c: Cols, slice: Slice): string {
  if (group !== 'subarea_id') return c[group];
  const path = slice.area?.path;
  if (!path) throw new Error('subarea_id needs the slice area path');
  const childDepth = path.split('/').filter(Boolean).length; // the area's own depth + 1
  return `(select split_part(ga.path, '/', ${childDepth + 2})::int from areas ga where ga.id = ${c.town_id})`;
}

interface Family {
  /** FROM clause; the row alias `r` carries town_id, village_id, visitor_id unless `cols` says otherwise. */
  from: string;
  /** FROM clause of the counting query when the drill-down's joins (names) are not needed. */
  countFrom?: string;
  cols?: Cols;
  /** Condition common to every figure of the family (the period window; cheap and indexed). */
  where: (b: Binder, p: PeriodBounds) => string;
  kind: RecordKind;
  /** Columns of a drill-down row. */
  select: string;
  /** Keyset column of the drill-down. */
  idColumn: string;
  /**
   * How time alone (no write) can change the family's figures (absent: it cannot); the figure cells
   * use it to know how long a count stays true. `days`: a figure compares a date with today — 'always',
   * or 'whilePeriodOpen' when no row of a period can match once today is past the period's last day;
   * `instant`: a row column that a figure compares with `now` (the count changes only when now passes
   * one of its values). Keep this in step with the predicates of the family's figures.
   */
  time?: { days: 'always' | 'whilePeriodOpen'; instant?: string };
}

/** Where a family's rows keep their area and visitor (the area at the time of the record). */
interface Cols {
  town_id: string;
  village_id: string;
  visitor_id: string;
}
const R_COLS: Cols = { town_id: 'r.town_id', village_id: 'r.village_id', visitor_id: 'r.visitor_id' };

/**
 * Active at any time in the period, by the status history (person_status_changes): supported by its
 * last day, and either active on its first day or made active again inside it. Most persons have been
 * active since before the period (the first test, no lookup); for the others the status in force on
 * the first day is the last change up to it — or, for a file without history rows (loaded before the
 * history was kept), its current status if that began by then, else active.
 */
const activeIn = (b: Binder, p: PeriodBounds, a = 'p') => {
  const start = `${b.v(p.startDate)}::date`;
  const end = `${b.v(p.endDate)}::date`;
  const since = `coalesce(${a}.status_since, ${a}.support_start)`;
  return `${a}.support_start <= ${end} and (
    (${a}.status = 'active' and ${since} <= ${start})
    or coalesce((select c.status from person_status_changes c where c.person_id = ${a}.id and c.effective_on <= ${start}
                  order by c.effective_on desc, c.id desc limit 1),
                case when ${since} <= ${start} then ${a}.status else 'active' end) = 'active'
    or exists (select 1 from person_status_changes c where c.person_id = ${a}.id and c.status = 'active'
                 and c.effective_on > ${start} and c.effective_on <= ${end}))`;
};

/**
 * The answer read by shared/checklist.ts policyAwareOf (section M, item policyAware), kept by the
 * database as the generated column visits.policy_aware (migration 014).
 */
const POLICY_AWARE = 'r.policy_aware';

const PERSON_SELECT = `r.id, r.name, r.town_id, r.village_id, r.visitor_id, r.status, r.self_care, r.tier,
  null::timestamptz as at, null::date as due_date, null::text as detail`;

const FAMILIES = {
  persons: {
    from: 'persons r',
    // No `time`: activeIn compares with the period's dates, coverage with its window — never with now.
    where: (b, p) => activeIn(b, p, 'r'),
    kind: 'person',
    select: `${PERSON_SELECT}, r.id as person_id, r.name as person_name`,
    idColumn: 'r.id',
  },
  careNeed: {
    from: 'persons r',
    where: () => `r.status = 'active'`,
    // agreementCoverage: an agreement is in force on `today` (start_date <= today <= end_date).
    time: { days: 'always' },
    kind: 'person',
    select: `${PERSON_SELECT}, r.id as person_id, r.name as person_name`,
    idColumn: 'r.id',
  },
  tasks: {
    from: 'visit_tasks r join persons pp on pp.id = r.person_id',
    countFrom: 'visit_tasks r',
    where: (b, p) => `r.due_date between ${b.v(p.startDate)}::date and ${b.v(p.endDate)}::date`,
    // onTime: `window_end <= now` (follow-up windows end at any instant, not only at midnight);
    // dueSoon: due_date between today and today+3, and due_date <= the period's last day, so once
    // today is past that day no task of the period is due soon on any later day. missed: no time.
    time: { days: 'whilePeriodOpen', instant: 'r.window_end' },
    kind: 'task',
    select: `r.id, r.kind as name, r.town_id, r.village_id, r.visitor_id, r.status, r.period as self_care, r.tier,
      r.status_at as at, r.due_date, r.status_reason as detail, r.person_id, pp.name as person_name`,
    idColumn: 'r.id',
  },
  visits: {
    from: 'visits r join persons pp on pp.id = r.person_id',
    countFrom: 'visits r',
    // No `time`: inPersonShare and policyAwareness read the visit row only.
    where: (b, p) => `r.at >= ${b.v(p.start)} and r.at < ${b.v(p.end)}`,
    kind: 'visit',
    select: `r.id, r.method as name, r.town_id, r.village_id, r.visitor_id, r.outcome as status, null::text as self_care,
      null::text as tier, r.at, null::date as due_date, ${POLICY_AWARE} as detail, r.person_id, pp.name as person_name`,
    idColumn: 'r.id',
  },
  agreements: {
    from: `care_agreements a join persons r on r.id = a.person_id`,
    where: () => `a.status = 'active'`,
    kind: 'agreement',
    select: `a.id, a.relation as name, r.town_id, r.village_id, r.visitor_id, a.status, r.self_care, r.tier,
      null::timestamptz as at, a.end_date as due_date, null::text as detail, r.id as person_id, r.name as person_name`,
    idColumn: 'a.id',
  },
  reviews: {
    from: `caregiver_reviews w join persons r on r.id = w.person_id`,
    where: (b, p) => `w.period_to between ${b.v(p.startDate)}::date and ${b.v(p.endDate)}::date`,
    kind: 'review',
    select: `w.id, w.score::text as name, r.town_id, r.village_id, r.visitor_id,
      case when w.passed then 'passed' else 'failed' end as status, r.self_care, r.tier,
      w.created_at as at, w.period_to as due_date, w.note as detail, r.id as person_id, r.name as person_name`,
    idColumn: 'w.id',
  },
  // Bureau spot checks (回访抽查) of the period's visits: a small table, counted live.
  spotChecks: {
    from: `spot_checks s join visits r on r.id = s.visit_id join persons pp on pp.id = r.person_id`,
    cols: { town_id: 's.town_id', village_id: 'r.village_id', visitor_id: 'r.visitor_id' },
    where: (b, p) => `r.at >= ${b.v(p.start)} and r.at < ${b.v(p.end)}`,
    kind: 'visit',
    select: `r.id, r.method as name, s.town_id, r.village_id, r.visitor_id, s.result as status, null::text as self_care,
      null::text as tier, r.at, null::date as due_date, s.note as detail, r.person_id, pp.name as person_name`,
    idColumn: 'r.id',
  },
  incidents: {
    from: `incidents i join persons pp on pp.id = i.person_id
      left join lateral (select min(x.acknowledged_at) as ack, min(x.due_at) as due
                           from incident_parties x where x.incident_id = i.id) ip on true`,
    cols: { town_id: 'i.town_id', village_id: 'i.village_id', visitor_id: 'pp.visitor_id' },
    where: () => 'true',
    kind: 'incident',
    select: `i.id, i.type as name, i.town_id, i.village_id, pp.visitor_id, i.status, null::text as self_care,
      null::text as tier, i.opened_at as at, null::date as due_date,
      (extract(epoch from (ip.ack - i.opened_at)) / 60)::int::text as detail, i.person_id, pp.name as person_name`,
    idColumn: 'i.id',
  },
  concerns: {
    from: 'concerns c join persons pp on pp.id = c.person_id',
    cols: { town_id: 'c.town_id', village_id: 'c.village_id', visitor_id: 'pp.visitor_id' },
    where: () => 'true',
    kind: 'concern',
    select: `c.id, c.category as name, c.town_id, c.village_id, pp.visitor_id, c.status, c.handling as self_care,
      null::text as tier, c.resolved_at as at, c.deadline as due_date, c.description as detail, c.person_id,
      pp.name as person_name`,
    idColumn: 'c.id',
  },
} satisfies Record<string, Family>;
type FamilyName = keyof typeof FAMILIES;

interface FigureSql {
  family: FamilyName;
  /** The records the figure counts (a ratio's denominator). */
  base: (b: Binder, p: PeriodBounds, o: FigureOptions) => string;
  /** A ratio's numerator among the base records. */
  counted?: (b: Binder, p: PeriodBounds, o: FigureOptions) => string;
  /** For a median figure: the measured expression (the figure is its median over the base records). */
  median?: string;
}

export interface FigureOptions {
  /** Self-care levels that need a care agreement (care.needingLevels). */
  careNeedingLevels: string[];
}

/** Figures whose tables exist; the others are reported as unavailable. */
export const FIGURES: Partial<Record<MetricId, FigureSql>> = {
  activePersons: { family: 'persons', base: () => 'true' },
  coverage: {
    family: 'persons',
    base: () => 'true',
    // One index-only probe per person (visits_person_qualifying_idx, migration 013): cheap for the few
    // villages a cell refresh recounts. An uncorrelated IN hashed the whole period's visits instead;
    // past work_mem (about 100,000 visits a period) PostgreSQL re-scans it per person — quadratic.
    counted: (b, p) =>
      `exists (select 1 from visits v where v.person_id = r.id and v.qualifying and v.at >= ${b.v(p.start)} and v.at < ${b.v(p.end)})`,
  },
  onTime: {
    family: 'tasks',
    // Window ended (by now) and not cancelled; a task is `done` only by a qualifying visit in its window.
    base: (b, p) => `r.window_end <= ${b.v(p.now)} and r.status <> 'cancelled'`,
    counted: () => `r.status = 'done'`,
  },
  missed: { family: 'tasks', base: () => `r.status = 'missed'` },
  dueSoon: {
    family: 'tasks',
    base: (b, p) =>
      `r.status = 'open' and r.due_date between ${b.v(p.today)}::date and ${b.v(p.dueSoonUntil)}::date`,
  },
  inPersonShare: {
    family: 'visits',
    base: () => 'r.qualifying',
    counted: () => `r.method = 'in_person'`,
  },
  policyAwareness: {
    family: 'visits',
    base: () => `r.qualifying and ${POLICY_AWARE} in ('yes', 'no')`,
    counted: () => `${POLICY_AWARE} = 'yes'`,
  },
  // Visit authenticity (DOMAIN.md §12): signals are stored with the visit (migration 024).
  flaggedShare: {
    family: 'visits',
    base: () => 'true',
    counted: () => 'r.signals is not null',
  },
  reviewBacklog: { family: 'visits', base: () => `r.review_state = 'pending'` },
  spotCheckConfirmed: {
    family: 'spotChecks',
    base: () => 's.result is not null',
    counted: () => `s.result = 'confirmed'`,
  },
  agreementCoverage: {
    family: 'careNeed',
    base: (b, _p, o) => `r.self_care = any(${b.v(o.careNeedingLevels)}::text[])`,
    counted: (b, p) =>
      `exists (select 1 from care_agreements ca where ca.person_id = r.id and ca.status = 'active' and ca.start_date <= ${b.v(p.today)}::date and ca.end_date >= ${b.v(p.today)}::date)`,
  },
  agreementsExpiring: {
    family: 'agreements',
    base: (b, p) => `a.end_date between ${b.v(p.today)}::date and ${b.v(p.expiringUntil)}::date`,
  },
  reviewPassRate: {
    family: 'reviews',
    base: () => 'true',
    counted: () => 'w.passed',
  },
  incidentAckMedian: {
    family: 'incidents',
    base: (b, p) => `i.opened_at >= ${b.v(p.start)} and i.opened_at < ${b.v(p.end)} and ip.ack is not null`,
    median: 'extract(epoch from (ip.ack - i.opened_at)) / 60',
  },
  incidentAckWithin: {
    family: 'incidents',
    // Opened in the period and either acknowledged or past its deadline (still waiting is not yet late).
    base: (b, p) =>
      `i.opened_at >= ${b.v(p.start)} and i.opened_at < ${b.v(p.end)} and (ip.ack is not null or ip.due <= ${b.v(p.now)})`,
    counted: () => 'ip.ack is not null and ip.ack <= ip.due',
  },
  incidentsOpen: { family: 'incidents', base: () => `i.status = 'open'` },
  rectificationOnTime: {
    family: 'concerns',
    // Time-limited concerns whose deadline falls in the period and has passed, or that are already fixed.
    base: (b, p) =>
      `c.handling = 'time_limited' and c.deadline between ${b.v(p.startDate)}::date and ${b.v(p.endDate)}::date
       and (c.deadline < ${b.v(p.today)}::date or c.resolved_at is not null)`,
    // Resolved before the end of the deadline day, China time.
    counted: () =>
      `c.status in ('resolved', 'verified') and c.resolved_at < ((c.deadline + 1)::text || ' 00:00:00+08')::timestamptz`,
  },
  rectificationOverdue: {
    family: 'concerns',
    base: (b, p) => `c.status in ('open', 'in_progress') and c.deadline < ${b.v(p.today)}::date`,
  },
};

/** The slice as SQL on the family row `r` (its own town/village/visitor columns), scope included. */
function sliceCondition(b: Binder, s: Slice, c: Cols = R_COLS): string {
  const parts: string[] = [];
  if (s.area) {
    if (s.area.level === 'town') parts.push(`${c.town_id} = ${b.v(s.area.id)}::int`);
    else if (s.area.level === 'village') parts.push(`${c.village_id} = ${b.v(s.area.id)}::int`);
    else if (s.area.townIds) parts.push(`${c.town_id} = any(${b.v(s.area.townIds, '::int[]')})`);
    else
      parts.push(`${c.town_id} in (select t.id from areas t where t.level = 'town'
        and t.path like (select a.path from areas a where a.id = ${b.v(s.area.id)}::int) || '%')`);
  }
  if (s.visitorId != null) parts.push(`${c.visitor_id} = ${b.v(s.visitorId)}::int`);
  const sc = s.scope;
  if (!sc.all) {
    const reach: string[] = [];
    if (sc.areaIds.length) {
      const ids = b.v(sc.areaIds, '::int[]');
      reach.push(`${c.town_id} = any(${ids})`, `${c.village_id} = any(${ids})`);
    }
    if (sc.visitor) reach.push(`${c.visitor_id} = ${b.v(sc.userId)}::int`);
    parts.push(reach.length ? `(${reach.join(' or ')})` : 'false');
  }
  return parts.length ? parts.join(' and ') : 'true';
}

export interface GroupedCounts {
  /** Group key value (area or visitor id); null key row with total=true is the whole slice. */
  key: number | null;
  total: boolean;
  /** metric id → [base count, counted count] */
  counts: Partial<Record<MetricId, [number, number]>>;
}

/**
 * The counting query of one family for the given figures: columns b<i> (base count) and c<i>
 * (counted count, or the median) per figure, FROM and the family's condition. The live figure query
 * and the figure cells both use it, so each figure is defined once.
 */
function familyQuery(name: FamilyName, ms: MetricId[], b: Binder, p: PeriodBounds, o: FigureOptions) {
  const fam: Family = FAMILIES[name];
  const figureCols = ms.map((m, i) => {
    const f = FIGURES[m]!;
    const base = f.base(b, p, o);
    if (f.median)
      return `count(*) filter (where ${base}) as b${i},
            percentile_cont(0.5) within group (order by ${f.median}) filter (where ${base}) as c${i}`;
    const counted = f.counted ? `${base} and ${f.counted(b, p, o)}` : 'false';
    return `count(*) filter (where ${base}) as b${i}, count(*) filter (where ${counted}) as c${i}`;
  });
  return { figureCols, from: fam.countFrom ?? fam.from, cols: fam.cols ?? R_COLS, where: fam.where(b, p) };
}

/**
 * Counts every available figure of the given metrics for the slice, split by `group` (and the
 * slice total), with one grouped query per family.
 */
export async function countFigures(
  q: Queryable,
  metrics: MetricId[],
  slice: Slice,
  p: PeriodBounds,
  group: GroupKey,
  o: FigureOptions,
): Promise<GroupedCounts[]> {
  const byFamily = new Map<FamilyName, MetricId[]>();
  for (const m of metrics) {
    const f = FIGURES[m];
    if (!f) continue;
    byFamily.set(f.family, [...(byFamily.get(f.family) ?? []), m]);
  }
  const out = new Map<string, GroupedCounts>();
  const slot = (key: number | null, total: boolean) => {
    const k = total ? 'total' : String(key);
    let g = out.get(k);
    if (!g) {
      g = { key, total, counts: {} };
      out.set(k, g);
    }
    return g;
  };
  await Promise.all(
    [...byFamily].map(async ([name, ms]) => {
      const b = new Binder();
      const fq = familyQuery(name, ms, b, p, o);
      const where = `${fq.where} and ${sliceCondition(b, slice, fq.cols)}`;
      const keyExpr = group ? groupExpr(group, fq.cols, slice) : 'null::int';
      const text = group
        ? `select ${keyExpr} as k, grouping(${keyExpr}) as g, ${fq.figureCols.join(', ')} from ${fq.from}
            where ${where} group by grouping sets ((${keyExpr}), ())`
        : `select null::int as k, 1 as g, ${fq.figureCols.join(', ')} from ${fq.from} where ${where}`;
      const rows = await q.query<Record<string, number | null>>(sql(text), b.params);
      for (const r of rows) {
        const g = slot(r.k as number | null, Number(r.g) === 1);
        ms.forEach((m, i) => {
          const c = r[`c${i}`];
          g.counts[m] = [Number(r[`b${i}`]), c == null ? Number.NaN : Number(c)];
        });
      }
    }),
  );
  return [...out.values()];
}

// ---------------------------------------------------------------------------------------------
// Figure cells (migration 009): the heavy families counted per (period, family, village) — by
// (town, village) and by (town, village, visitor) — with familyQuery, i.e. by the very predicates of
// the live query, and kept current. A cell state is stale when its village's data changed since
// (metric_versions, bumped by triggers in the writing transaction), when the figure definitions or
// options changed (key), or when time alone may have changed a count (valid_from / valid_until, from
// the family's `time`). Reads bring the stale cells of the periods they need up to date, then sum.
// ---------------------------------------------------------------------------------------------

/** Families whose counts are kept in cells; the others (small tables, the median) stay live. */
export const CELL_FAMILIES = ['persons', 'careNeed', 'tasks', 'visits'] as const;
export type CellFamily = (typeof CELL_FAMILIES)[number];

/** The cell family a figure is counted in, or null when it is computed live. */
export function cellFamilyOf(m: MetricId): CellFamily | null {
  const f = FIGURES[m]?.family;
  return f && (CELL_FAMILIES as readonly string[]).includes(f) ? (f as CellFamily) : null;
}

/** Every figure of a cell family, in the order of a cell's counts: [b0, c0, b1, c1, …]. */
function cellMetrics(name: CellFamily): MetricId[] {
  return (Object.keys(FIGURES) as MetricId[]).filter((m) => FIGURES[m]!.family === name);
}

const CELL_COLS: Cols = { town_id: 'c.town_id', village_id: 'c.village_id', visitor_id: 'c.visitor_id' };

/** What a family's cells are computed from besides the data: the figure SQL and the options. */
export function cellKey(name: CellFamily, o: FigureOptions): string {
  const day = '2000-01-01';
  const t = new Date(0);
  const dummy: PeriodBounds = {
    start: t,
    end: t,
    startDate: day,
    endDate: day,
    now: t,
    today: day,
    dueSoonUntil: day,
    expiringUntil: day,
  };
  const fq = familyQuery(name, cellMetrics(name), new Binder(), dummy, o);
  return createHash('sha256')
    .update(`${fq.from}\n${fq.where}\n${fq.figureCols.join(',')}\n${JSON.stringify(o)}`)
    .digest('hex')
    .slice(0, 24);
}

export interface StaleCell {
  period: string;
  family: CellFamily;
  village_id: number;
  /** The village's data version read before counting: v('*') + v(month of the period), see 009b. */
  version: number;
}

/**
 * Cells of the given periods and families that must be (re)computed at `now`: never computed, older
 * than their village's data, computed with other definitions, or outside their time bounds.
 * Every area is a candidate village (rows reference areas; the few non-village areas stay empty).
 */
export async function staleCells(
  q: Queryable,
  periods: string[],
  families: CellFamily[],
  keys: string[],
  now: Date,
): Promise<StaleCell[]> {
  return q.query<StaleCell>(
    sql(`select pr.period, f.family, a.id as village_id, coalesce(v.version, 0) + coalesce(vm.version, 0) as version
       from areas a cross join unnest($1::text[]) pr(period) cross join unnest($2::text[], $3::text[]) f(family, key)
       left join metric_versions v on v.village_id = a.id and v.family = f.family and v.month = '*'
       left join metric_versions vm on vm.village_id = a.id and vm.family = f.family and vm.month = left(pr.period, 7)
       left join (select * from metric_cell_state where period = any($1::text[]) and family = any($2::text[])) s
              on s.period = pr.period and s.family = f.family and s.village_id = a.id
      where s.village_id is null or s.version <> coalesce(v.version, 0) + coalesce(vm.version, 0) or s.opts <> f.key
         or s.valid_from > $4 or s.valid_until <= $4`),
    [periods, families, keys, now],
  );
}

/**
 * Folds the marks the triggers appended (009c) into the per-village counters: deletes the marks
 * this statement sees and adds their number to metric_versions. Marks of writers not yet committed
 * stay for a later fold. Folds are serialised (two would otherwise lock marks and counters in
 * different orders).
 */
export async function foldMarks(q: Queryable) {
  await q.query(sql('select pg_advisory_xact_lock(7261010)'));
  await q.query(
    sql(`with m as (delete from metric_marks returning village_id, family, month),
          c as (select village_id, family, month, count(*) as n from m group by village_id, family, month),
          v as (insert into metric_versions (village_id, family, month, version)
                select village_id, family, month, n from c order by village_id, family, month
                on conflict (village_id, family, month) do update set version = metric_versions.version + excluded.version)
     insert into metric_version_totals (family, month, total)
     select family, month, sum(n) from c group by family, month order by family, month
     on conflict (family, month) do update set total = metric_version_totals.total + excluded.total`),
  );
}

/**
 * The (period, family) pairs that may hold stale cells (009d): those whose sum of cell versions
 * differs from the counters' sum, with missing cells, another key, or outside their common time
 * bounds. The others are current as a whole.
 */
export async function unsettledPeriods(
  q: Queryable,
  periods: string[],
  families: CellFamily[],
  keys: string[],
  now: Date,
): Promise<{ period: string; family: CellFamily }[]> {
  return q.query(
    sql(`select pr.period, f.family
       from unnest($1::text[]) pr(period) cross join unnest($2::text[], $3::text[]) f(family, key)
       left join metric_period_state s on s.period = pr.period and s.family = f.family
       left join metric_version_totals a on a.family = f.family and a.month = '*'
       left join metric_version_totals m on m.family = f.family and m.month = left(pr.period, 7)
      where s.period is null or s.opts is distinct from f.key or s.cells <> (select count(*) from areas)
         or s.versions <> coalesce(a.total, 0) + coalesce(m.total, 0)
         or s.valid_from > $4 or s.valid_until <= $4`),
    [periods, families, keys, now],
  );
}

/** Records the (period, family) summary from its cell states (in the transaction that wrote them). */
export async function settlePeriod(q: Queryable, period: string, family: CellFamily, key: string) {
  await q.query(
    sql(`insert into metric_period_state (period, family, opts, versions, cells, valid_from, valid_until)
     select $1, $2, case when bool_and(opts = $3) then $3 end, coalesce(sum(version), 0), count(*),
            max(valid_from), min(valid_until)
       from metric_cell_state where period = $1 and family = $2
     on conflict (period, family) do update set opts = excluded.opts, versions = excluded.versions,
       cells = excluded.cells, valid_from = excluded.valid_from, valid_until = excluded.valid_until`),
    [period, family, key],
  );
}

/** Serialises the (re)computation of one period's cells across processes (PostgreSQL). */
export async function lockCellPeriod(q: Queryable, period: string) {
  await q.query(sql('select pg_advisory_xact_lock(7261009, hashtext($1))'), [period]);
}

/**
 * Recomputes one family's cells of one period for the given villages (one grouped statement that
 * also replaces the stored rows) and records what they were computed from. `stale` must have been
 * read before this statement runs, in the same transaction that holds lockCellPeriod.
 */
export async function computeCells(
  q: Queryable,
  name: CellFamily,
  period: string,
  p: PeriodBounds,
  stale: StaleCell[],
  o: FigureOptions,
  key: string,
) {
  const fam: Family = FAMILIES[name];
  const ms = cellMetrics(name);
  const b = new Binder();
  const fq = familyQuery(name, ms, b, p, o);
  const c = fq.cols;
  const ids = b.v(
    stale.map((s) => s.village_id),
    '::int[]',
  );
  const inst = fam.time?.instant;
  const now = inst ? b.v(p.now) : '';
  const times = inst
    ? `min(${inst}) filter (where ${inst} > ${now}) as nx, max(${inst}) filter (where ${inst} <= ${now}) as pv`
    : 'null::timestamptz as nx, null::timestamptz as pv';
  const per = b.v(period);
  const fname = b.v(name);
  const counts = `array[${ms.map((_, i) => `b${i}, c${i}`).join(', ')}]::bigint[]`;
  // Rows of kind 'v': each village's instants around now; of kind 't': the towns whose cells were
  // replaced or written (their sums are recomputed below, once this statement's rows are in).
  const rows = await q.query<{ kind: 'v' | 't'; id: number; nx: Date | null; pv: Date | null }>(
    sql(`with g as (
       select ${c.town_id} as town_id, ${c.village_id} as village_id, ${c.visitor_id} as visitor_id,
              grouping(${c.visitor_id}) as gv, ${fq.figureCols.join(', ')}, ${times}
         from ${fq.from}
        where ${fq.where} and ${c.village_id} = any(${ids})
        group by grouping sets ((${c.town_id}, ${c.village_id}), (${c.town_id}, ${c.village_id}, ${c.visitor_id}))),
     del as (delete from metric_cells where period = ${per} and family = ${fname} and village_id = any(${ids})
             returning town_id),
     ins as (insert into metric_cells (period, family, village_id, town_id, visitor_id, by_visitor, counts)
             select ${per}, ${fname}, village_id, town_id, visitor_id, gv = 0, ${counts} from g)
     select 'v' as kind, village_id as id, min(nx) as nx, max(pv) as pv from g group by village_id
     union all
     select 't', town_id, null, null from (select town_id from del union select town_id from g) t`),
    b.params,
  );
  await sumTownCells(
    q,
    period,
    name,
    rows.filter((r) => r.kind === 't').map((r) => r.id),
  );
  // Time bounds: the day bounds of the family, narrowed by the row instants around now.
  let dayFrom: Date | null = null;
  let dayUntil: Date | null = null;
  const days = fam.time?.days;
  if (days === 'whilePeriodOpen' && p.today > p.endDate) dayFrom = chinaDayStart(addDays(p.endDate, 1));
  else if (days) {
    dayFrom = chinaDayStart(p.today);
    dayUntil = chinaDayStart(addDays(p.today, 1));
  }
  const byVillage = new Map(rows.filter((r) => r.kind === 'v').map((r) => [r.id, r]));
  const later = (a: Date | null, x: Date | null) => (a && x ? (a > x ? a : x) : (a ?? x));
  const sooner = (a: Date | null, x: Date | null) => (a && x ? (a < x ? a : x) : (a ?? x));
  const from = stale.map((s) => later(dayFrom, toDate(byVillage.get(s.village_id)?.pv)));
  const until = stale.map((s) => sooner(dayUntil, toDate(byVillage.get(s.village_id)?.nx)));
  await q.query(
    sql(`insert into metric_cell_state (period, family, village_id, version, opts, valid_from, valid_until, computed_at)
     select $1, $2, x.v, x.ver, $3, x.vf, x.vu, $4
       from unnest($5::int[], $6::bigint[], $7::timestamptz[], $8::timestamptz[]) x(v, ver, vf, vu)
     on conflict (period, family, village_id) do update set version = excluded.version, opts = excluded.opts,
       valid_from = excluded.valid_from, valid_until = excluded.valid_until, computed_at = excluded.computed_at`),
    [period, name, key, p.now, stale.map((s) => s.village_id), stale.map((s) => s.version), from, until],
  );
}

const toDate = (x: Date | string | null | undefined) => (x == null ? null : new Date(x));

/**
 * Recomputes the town sums (migration 018) of one period and family for the given towns from their
 * village cells: element-wise sums of the by_visitor = false rows; a town left without cells loses
 * its row. Runs in the transaction that replaced the village cells.
 */
async function sumTownCells(q: Queryable, period: string, family: CellFamily, towns: number[]) {
  if (!towns.length) return;
  await q.query(
    sql(`with s as (
       select town_id, array_agg(v order by i) as counts
         from (select c.town_id, u.i, sum(u.v)::bigint as v
                 from metric_cells c cross join lateral unnest(c.counts) with ordinality u(v, i)
                where c.period = $1 and c.family = $2 and not c.by_visitor and c.town_id = any($3::int[])
                group by c.town_id, u.i) x
        group by town_id),
     up as (insert into metric_town_cells (period, family, town_id, counts)
            select $1, $2, town_id, counts from s order by town_id
            on conflict (period, family, town_id) do update set counts = excluded.counts)
     delete from metric_town_cells t
      where t.period = $1 and t.family = $2 and t.town_id = any($3::int[])
        and not exists (select 1 from s where s.town_id = t.town_id)`),
    [period, family, towns],
  );
}

/** Forgets every cell state (after a bulk load with the triggers off): all are recomputed. */
export async function forgetCells(q: Queryable) {
  await q.query(sql('delete from metric_cell_state'));
  await q.query(sql('delete from metric_period_state'));
}

/**
 * Whether a slice and grouping are made of whole towns, so the town sums (metric_town_cells) answer
 * them: the district or one town (or no area), every person in reach (no visitor, no officer's list
 * of areas, which may name villages), no group finer than the town. sliceCondition then names only
 * `town_id`.
 */
export function wholeTowns(slice: Slice, group: GroupKey): boolean {
  return (
    (group === null || group === 'town_id' || group === 'subarea_id') &&
    slice.visitorId == null &&
    slice.scope.all &&
    (slice.area == null || slice.area.level !== 'village')
  );
}

/**
 * Sums the cells of the slice: per period, the same shape as countFigures (a total row, and one row
 * per group key present), for every figure of the given families.
 */
export async function sumCells(
  q: Queryable,
  periods: string[],
  families: CellFamily[],
  slice: Slice,
  group: GroupKey,
): Promise<Map<string, GroupedCounts[]>> {
  const b = new Binder();
  const width = 2 * Math.max(...families.map((f) => cellMetrics(f).length));
  const sums = Array.from({ length: width }, (_, i) => `sum(c.counts[${i + 1}]) as s${i}`).join(', ');
  const keyExpr = group ? groupExpr(group, CELL_COLS, slice) : null;
  let from: string;
  let where = `c.period = any(${b.v(periods)}::text[]) and c.family = any(${b.v(families)}::text[])`;
  if (wholeTowns(slice, group)) {
    // The town sums (migration 018): ~40 rows a period for a district instead of ~4,000 villages.
    from = 'metric_town_cells c';
    where += ` and ${sliceCondition(b, slice, CELL_COLS)}`;
  } else {
    // Per-visitor rows whenever the visitor matters (grouping, filter or a visitor's own scope).
    const byVisitor =
      group === 'visitor_id' || slice.visitorId != null || (!slice.scope.all && slice.scope.visitor);
    from = 'metric_cells c';
    where += ` and c.by_visitor = ${b.v(byVisitor)} and ${sliceCondition(b, slice, CELL_COLS)}`;
  }
  const rows = await q.query<Record<string, string | number | null>>(
    sql(
      keyExpr
        ? `select c.period, c.family, ${keyExpr} as k, grouping(${keyExpr}) as g, ${sums} from ${from}
          where ${where} group by grouping sets ((c.period, c.family, ${keyExpr}), (c.period, c.family))`
        : `select c.period, c.family, null::int as k, 1 as g, ${sums} from ${from}
          where ${where} group by c.period, c.family`,
    ),
    b.params,
  );
  const out = new Map<string, Map<string, GroupedCounts>>();
  const slot = (period: string, key: number | null, total: boolean) => {
    const m = out.get(period) ?? new Map<string, GroupedCounts>();
    out.set(period, m);
    const k = total ? 'total' : String(key);
    const g = m.get(k) ?? { key, total, counts: {} };
    m.set(k, g);
    return g;
  };
  // As countFigures: the total is there (zeros) even when the slice has no rows.
  for (const p of periods)
    for (const f of families) for (const m of cellMetrics(f)) slot(p, null, true).counts[m] = [0, 0];
  for (const r of rows) {
    const g = slot(r.period as string, r.k as number | null, Number(r.g) === 1);
    cellMetrics(r.family as CellFamily).forEach((m, i) => {
      g.counts[m] = [Number(r[`s${2 * i}`] ?? 0), Number(r[`s${2 * i + 1}`] ?? 0)];
    });
  }
  return new Map([...out].map(([p, m]) => [p, [...m.values()]]));
}

export interface RecordRow {
  id: number;
  name: string | null;
  town_id: number;
  village_id: number;
  visitor_id: number | null;
  status: string | null;
  self_care: string | null;
  tier: string | null;
  at: Date | null;
  due_date: string | null;
  detail: string | null;
  person_id: number;
  person_name: string;
  counted: boolean;
  town_name: string;
  village_name: string;
  visitor_name: string | null;
}

/** The records behind a figure (part 'base' = all it counts; 'counted' = the numerator only), keyset-paged. */
export async function listFigureRecords(
  q: Queryable,
  metric: MetricId,
  slice: Slice,
  p: PeriodBounds,
  o: FigureOptions & { part: 'base' | 'counted'; after: number; limit: number },
): Promise<{ kind: RecordKind; rows: RecordRow[] }> {
  const f = FIGURES[metric]!;
  const fam: Family = FAMILIES[f.family];
  const b = new Binder();
  const base = f.base(b, p, o);
  const counted = f.counted ? f.counted(b, p, o) : 'true';
  const where = [
    fam.where(b, p),
    sliceCondition(b, slice, fam.cols),
    base,
    `${fam.idColumn} > ${b.v(o.after)}`,
  ];
  if (o.part === 'counted') where.push(counted);
  const rows = await q.query<RecordRow>(
    sql(`select x.*, t.name as town_name, v.name as village_name, u.display_name as visitor_name
       from (select ${fam.select}, (${counted}) as counted from ${fam.from}
              where ${where.join(' and ')} order by ${fam.idColumn} limit ${b.v(o.limit)}) x
       join areas t on t.id = x.town_id join areas v on v.id = x.village_id
       left join users u on u.id = x.visitor_id
      order by x.id`),
    b.params,
  );
  return { kind: fam.kind, rows };
}

/** Counts of the drill-down (for its header): same predicates as listFigureRecords. */
export async function countFigureRecords(
  q: Queryable,
  metric: MetricId,
  slice: Slice,
  p: PeriodBounds,
  o: FigureOptions & { part: 'base' | 'counted' },
): Promise<number> {
  const f = FIGURES[metric]!;
  const fam: Family = FAMILIES[f.family];
  const b = new Binder();
  const where = [fam.where(b, p), sliceCondition(b, slice, fam.cols), f.base(b, p, o)];
  if (o.part === 'counted' && f.counted) where.push(f.counted(b, p, o));
  const [r] = await q.query<{ n: number }>(
    sql(`select count(*)::int as n from ${fam.from} where ${where.join(' and ')}`),
    b.params,
  );
  return r.n;
}

/** Names of the groups a figure table shows. */
export async function namesOf(q: Queryable, group: GroupKey, ids: number[]): Promise<Map<number, string>> {
  if (!ids.length || !group) return new Map();
  const rows =
    group === 'visitor_id'
      ? await q.query<{ id: number; name: string }>(
          sql('select id, display_name as name from users where id = any($1::int[])'),
          [ids],
        )
      : await q.query<{ id: number; name: string }>(
          sql('select id, name from areas where id = any($1::int[])'),
          [ids],
        );
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** Child areas of an area (towns of the district, villages of a town), not retired. */
export async function childAreas(q: Queryable, areaId: number) {
  return q.query<{ id: number; name: string; code: string; level: AreaLevel; kind: string }>(
    sql(
      `select id, name, code, level, kind from areas where parent_id = $1 and retired_at is null order by code`,
    ),
    [areaId],
  );
}

export async function getAreaBrief(q: Queryable, id: number) {
  return (
    await q.query<{
      id: number;
      name: string;
      level: AreaLevel;
      kind: string;
      path: string;
      parent_id: number | null;
    }>(sql('select id, name, level, kind, path, parent_id from areas where id = $1'), [id])
  )[0];
}

/** The root of the tree (a district, or a city or region). */
export async function rootArea(q: Queryable) {
  return (
    await q.query<{ id: number; name: string; level: AreaLevel; kind: string; path: string }>(
      sql(`select id, name, level, kind, path from areas where parent_id is null order by id limit 1`),
    )
  )[0];
}

/** Which of these tables exist in the current schema. */
export async function tablesPresent(q: Queryable, names: string[]): Promise<Set<string>> {
  const rows = await q.query<{ t: string }>(
    sql(`select table_name as t from information_schema.tables
          where table_schema = current_schema() and table_name = any($1::text[])`),
    [names],
  );
  return new Set(rows.map((x) => x.t));
}

/** The townships under an area (for Slice.area.townIds above the township). */
export async function townshipsUnder(q: Queryable, path: string): Promise<number[]> {
  const rows = await q.query<{ id: number }>(
    sql(`select id from areas where level = 'town' and path like $1 || '%' order by id`),
    [path],
  );
  return rows.map((r) => r.id);
}

/** The county (旗县区) an area lies in — itself when it is one; the root when none is above it. */
export async function countyOf(q: Queryable, areaId: number): Promise<number | null> {
  const [r] = await q.query<{ id: number }>(
    sql(`select c.id from areas a join areas c on a.path like c.path || '%'
      where a.id = $1 and (c.level = 'district' or c.parent_id is null)
      order by c.level = 'district' desc limit 1`),
    [areaId],
  );
  return r?.id ?? null;
}
