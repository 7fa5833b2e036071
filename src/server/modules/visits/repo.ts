import type { PhotoMeta, ReviewState, Signal } from '../../../shared/authenticity.js';
import type { ChecklistAnswers, Season, VisitMethod, VisitOutcome } from '../../../shared/checklist.js';
import { type Frequency, VISIT_SETTING_KEYS } from '../../../shared/schedule.js';
import type { Queryable } from '../../db/db.js';
import { prepared, sql } from '../../db/sql.js';
import { personCondition, type Scope } from '../../http/scope.js';
import { type AuditEntry, auditInStatementSql, auditTailExistsSql } from '../audit/index.js';
import type { KeptFile } from '../files/index.js';
import { type SettingRow, settingsOnPathSql } from '../settings/index.js';
import { answersToStored, type StoredAnswers, type WithAnswers, withAnswers } from './stored-answers.js';

// ---------------------------------------------------------------------------------------------
// Settings (inherited down the area tree)
// ---------------------------------------------------------------------------------------------

/** (id, path) of every village: the engine resolves per-village configuration from these. */
export async function villagePaths(
  q: Queryable,
  personIds?: number[],
): Promise<{ id: number; path: string }[]> {
  if (!personIds) return q.query(sql(`select id, path from areas where level = 'village'`));
  return q.query(
    sql(`select id, path from areas where id in (select village_id from persons where id = any($1::int[]))`),
    [personIds],
  );
}

// ---------------------------------------------------------------------------------------------
// The schedule engine
// ---------------------------------------------------------------------------------------------

const TASK_INSERT_COLS =
  'person_id, kind, period, tier, window_start, window_end, due_date, visitor_id, town_id, village_id, created_at';

/** Which persons a generation statement covers: a tier (all villages, or listed ones). */
export interface TierSelector {
  tier: 'general' | 'key';
  /** null = every village. */
  villageIds: number[] | null;
}

function selectorSql(sel: TierSelector[], params: unknown[]): string {
  const parts = sel.map((s) => {
    params.push(s.tier);
    const t = `p.tier = $${params.length}`;
    if (!s.villageIds) return t;
    params.push(s.villageIds);
    return `(${t} and p.village_id = any($${params.length}::int[]))`;
  });
  return parts.length ? `(${parts.join(' or ')})` : 'false';
}

function personFilter(personIds: number[] | undefined, params: unknown[]): string {
  if (!personIds) return 'true';
  params.push(personIds);
  return `p.id = any($${params.length}::int[])`;
}

/**
 * Cancels open tasks of persons who are no longer active, and keeps open tasks on the person's current
 * visitor and area (a safety net under the person hooks: nobody's task stays with the wrong visitor).
 */
export async function syncOpenTasks(q: Queryable, now: Date, personIds?: number[]) {
  const p1: unknown[] = [now];
  const cancelled = await q.query(
    sql(`update visit_tasks t set status = 'cancelled', status_at = $1, status_reason = p.status
       from persons p
      where p.id = t.person_id and t.status = 'open' and p.status <> 'active' and ${personFilter(personIds, p1)}
      returning t.id`),
    p1,
  );
  const p2: unknown[] = [];
  const moved = await q.query(
    sql(`update visit_tasks t set visitor_id = p.visitor_id, town_id = p.town_id, village_id = p.village_id
       from persons p
      where p.id = t.person_id and t.status = 'open' and ${personFilter(personIds, p2)}
        and (t.visitor_id is distinct from p.visitor_id or t.town_id <> p.town_id or t.village_id <> p.village_id)
      returning t.id`),
    p2,
  );
  return { cancelled: cancelled.length, moved: moved.length };
}

/**
 * True when `generateTasks` would change nothing for this one person at `now`: the person is active,
 * a live (not cancelled) regular task covers `now` (so no regular task of a period containing `now`
 * can be inserted), no cancelled one covers it (nothing to reopen) and every open task already
 * follows the person's visitor and area (nothing to move). One indexed probe per condition.
 */
export async function tasksSettled(q: Queryable, personId: number, now: Date): Promise<boolean> {
  const [r] = await q.query<{ settled: boolean }>(
    sql(`select ${settledSql('p', '$2')} as settled from persons p where p.id = $1`),
    [personId, now],
  );
  return r?.settled === true;
}

/** The condition of `tasksSettled` for the person row `p` at the time parameter `now`. */
const settledSql = (p: string, now: string) => `${p}.status = 'active'
        and exists (select 1 from visit_tasks t where t.person_id = ${p}.id and t.kind = 'regular'
                     and t.status <> 'cancelled' and t.window_start <= ${now} and t.window_end > ${now})
        and not exists (select 1 from visit_tasks t where t.person_id = ${p}.id and t.kind = 'regular'
                     and t.status = 'cancelled' and t.window_start <= ${now} and t.window_end > ${now})
        and not exists (select 1 from visit_tasks t where t.person_id = ${p}.id and t.status = 'open'
                     and (t.visitor_id is distinct from ${p}.visitor_id or t.town_id <> ${p}.town_id
                          or t.village_id <> ${p}.village_id))`;

/** Reopens regular tasks cancelled by a pause when the person is active again within the window. */
export async function reopenResumedTasks(q: Queryable, now: Date, today: string, personIds?: number[]) {
  const params: unknown[] = [now, today];
  const rows = await q.query<{ id: number }>(
    sql(`update visit_tasks t set status = 'open', status_at = $1, status_reason = null,
            visitor_id = p.visitor_id, town_id = p.town_id, village_id = p.village_id
       from persons p
      where p.id = t.person_id and t.kind = 'regular' and t.status = 'cancelled'
        and t.window_start <= $1 and t.window_end > $1
        and p.status = 'active' and p.support_start <= $2 and ${personFilter(personIds, params)}
      returning t.id`),
    params,
  );
  return rows.map((r) => Number(r.id));
}

/**
 * Inserts the regular task of `period` for every active person the selectors cover, unless the person
 * already has a (not cancelled) regular task overlapping the window — a tier change therefore takes
 * effect from the next period. ON CONFLICT DO NOTHING on (person, period, kind) makes it idempotent
 * even when two processes run it at once.
 */
export async function insertRegularTasks(
  q: Queryable,
  o: {
    period: string;
    start: Date;
    end: Date;
    due: string;
    today: string;
    now: Date;
    selectors: TierSelector[];
    personIds?: number[];
    /** Only persons with no task covering `now` (the fallback after a tier change). */
    onlyUncovered?: boolean;
  },
): Promise<number[]> {
  const params: unknown[] = [o.period, o.start, o.end, o.due, o.today, o.now];
  const sel = selectorSql(o.selectors, params);
  const pf = personFilter(o.personIds, params);
  // LATERAL … LIMIT 1 probes the (person_id, window_start) index per person; a plain NOT EXISTS lets
  // the planner pick an anti join over a scan of visit_tasks, quadratic when its statistics are stale.
  const uncovered = o.onlyUncovered
    ? `left join lateral (select 1 as hit from visit_tasks c where c.person_id = p.id and c.kind = 'regular'
         and c.window_start <= $6 and c.window_end > $6 limit 1) cov on true`
    : '';
  const rows = await q.query<{ id: number }>(
    sql(`insert into visit_tasks (${TASK_INSERT_COLS})
     select p.id, 'regular', $1, p.tier, $2, $3, $4, p.visitor_id, p.town_id, p.village_id, $6
       from persons p
       left join lateral (select 1 as hit from visit_tasks o where o.person_id = p.id and o.kind = 'regular'
              and o.status <> 'cancelled' and o.window_start < $3 and o.window_end > $2 limit 1) ov on true
       ${uncovered}
      where p.status = 'active' and p.support_start <= $5 and ${sel} and ${pf}
        and ov.hit is null ${o.onlyUncovered ? 'and cov.hit is null' : ''}
     on conflict (person_id, period, kind) do nothing
     returning id`),
    params,
  );
  return rows.map((r) => Number(r.id));
}

/** Marks the given open tasks done when a qualifying visit already lies in their window (late tasks). */
export async function completeFromExistingVisits(q: Queryable, taskIds: number[], now: Date) {
  if (taskIds.length === 0) return 0;
  const rows = await q.query(
    sql(`update visit_tasks t set status = 'done', status_at = $2,
            visit_id = (select v.id from visits v where v.person_id = t.person_id and v.qualifying
                          and v.at >= t.window_start and v.at < t.window_end order by v.at limit 1)
      where t.id = any($1::bigint[]) and t.status = 'open'
        and exists (select 1 from visits v where v.person_id = t.person_id and v.qualifying
                     and v.at >= t.window_start and v.at < t.window_end)
      returning t.id`),
    [taskIds, now],
  );
  return rows.length;
}

/** Open tasks whose window has closed become missed. */
export async function markMissed(q: Queryable, now: Date): Promise<number> {
  const rows = await q.query(
    sql(
      `update visit_tasks set status = 'missed', status_at = $1 where status = 'open' and window_end <= $1 returning id`,
    ),
    [now],
  );
  return rows.length;
}

/** Cancels a person's open tasks whose window reaches past `from` (pause or end from that date). */
export async function cancelOpenTasksFrom(
  q: Queryable,
  personId: number,
  from: Date,
  reason: string,
  now: Date,
): Promise<number> {
  const rows = await q.query(
    sql(`update visit_tasks set status = 'cancelled', status_at = $3, status_reason = $4
      where person_id = $1 and status = 'open' and window_end > $2 returning id`),
    [personId, from, now, reason],
  );
  return rows.length;
}

export async function moveOpenTasks(q: Queryable, personIds: number[], visitorId: number | null) {
  await q.query(
    sql(`update visit_tasks set visitor_id = $2 where person_id = any($1::int[]) and status = 'open'`),
    [personIds, visitorId],
  );
}

export interface PersonBrief {
  id: number;
  name: string;
  status: 'active' | 'paused' | 'ended';
  tier: 'general' | 'key';
  support_start: string;
  visitor_id: number | null;
  town_id: number;
  village_id: number;
  birth_date: string;
  flags: string[];
}

export async function getPersonBrief(q: Queryable, personId: number, scope?: Scope) {
  const params: unknown[] = [personId];
  const cond = scope ? personCondition(scope, 'p', params) : 'true';
  const [row] = await q.query<PersonBrief>(
    sql(`select p.id, p.name, p.status, p.tier, p.support_start, p.visitor_id, p.town_id, p.village_id,
            p.birth_date, p.flags
       from persons p where p.id = $1 and ${cond}`),
    params,
  );
  return row;
}

/**
 * What recording a visit needs to know before it writes, in one statement: the visit already stored
 * under this clientId (a repeat), the person if in scope (with the date an ended support ended), the
 * visits.* settings rows on the path of the person's village, and whether the person's tasks are
 * settled at `now` (`tasksSettled`).
 */
export async function visitContext(
  q: Queryable,
  o: {
    personId: number;
    clientId: string;
    scope: Scope;
    now: Date;
    auditChain: number;
    /** The visit's time: the rounds whose tasks it may complete (`rounds`). */
    at: Date;
    /** The authenticity lookups (registry's visitAssessor) and their setting keys, read in this statement. */
    assess?: { sqlOf: (params: unknown[]) => string; settingKeys: readonly string[] };
  },
): Promise<{
  /** What the authenticity lookups found (null: no person). */
  assessInputs: unknown;
  existingVisitId: number | null;
  person: (PersonBrief & { status_since: string | null }) | null;
  settings: SettingRow[];
  settled: boolean;
  /** The audit chain `auditChain` has its tail row (a visit's audit row can go in its statement). */
  auditTail: boolean;
  /** The person's open or missed tasks of rounds that require checks (shared/checklist.ts `roundsAt`). */
  rounds: RoundTaskRow[];
}> {
  const params: unknown[] = [o.personId, o.clientId, o.now, o.auditChain, o.at];
  const cond = personCondition(o.scope, 'p', params);
  const assessSql = o.assess ? o.assess.sqlOf(params) : 'null';
  const keys = o.assess ? [...VISIT_SETTING_KEYS, ...o.assess.settingKeys] : VISIT_SETTING_KEYS;
  const [r] = await q.query<
    Partial<PersonBrief> & {
      assess_inputs: unknown;
      existing_id: number | null;
      status_since: string | null;
      settings: SettingRow[] | null;
      settled: boolean | null;
      audit_tail: boolean;
      rounds: RoundTaskRow[] | null;
    }
  >(
    prepared(`select (select id from visits where client_id = $2) as existing_id, ${auditTailExistsSql('$4')} as audit_tail,
            p.id, p.name, p.status, p.tier, p.support_start, p.visitor_id, p.town_id, p.village_id,
            p.birth_date, p.flags, p.status_since,
            case when p.id is not null then ${settledSql('p', '$3')} end as settled,
            case when p.id is not null then ${assessSql} end as assess_inputs,
            case when p.id is not null then ${roundsSql('$5')} end as rounds,
            case when p.id is not null then
              (select json_agg(json_build_object('area_id', x.area_id, 'key', x.key, 'value', x.value)
                               order by x.depth desc)
                 from (${settingsOnPathSql('p.village_id', keys)}) x) end as settings
       from (select 1) one left join persons p on p.id = $1 and ${cond}`),
    params,
  );
  // status_since stays in the rest (no property added to it afterwards: test/hot-paths.test.ts).
  const { existing_id, settings, settled, audit_tail, assess_inputs, rounds, ...person } = r;
  return {
    assessInputs: assess_inputs ?? null,
    existingVisitId: existing_id == null ? null : Number(existing_id),
    person: person.id == null ? null : (person as PersonBrief & { status_since: string | null }),
    settings: settings ?? [],
    settled: settled === true,
    auditTail: audit_tail,
    rounds: rounds ?? [],
  };
}

/** An open or missed task of a round that requires checks, as `roundsAt` reads it. */
export interface RoundTaskRow {
  status: string;
  windowStart: string;
  windowEnd: string;
  checks: Season[];
  name: string;
}
/**
 * The person `p`'s open or missed round tasks with checks (a handful at most: one per round), for
 * `roundsAt` to pick those the visit's time falls in. A subquery of visitContext's one read.
 */
const roundsSql = (
  after: string,
) => `(select json_agg(json_build_object('status', t.status, 'windowStart', t.window_start,
      'windowEnd', t.window_end, 'checks', c.checks, 'name', c.name) order by t.id)
    from visit_tasks t join visit_campaigns c on c.id = t.campaign_id
   where t.person_id = p.id and t.kind = 'campaign' and t.status in ('open', 'missed')
     and t.window_end > ${after} and cardinality(c.checks) > 0)`;

/** The person's open or missed round tasks with checks ending after `after` (the paper-record form). */
export async function roundTasksOf(q: Queryable, personId: number, after: Date): Promise<RoundTaskRow[]> {
  const [r] = await q.query<{ rounds: RoundTaskRow[] | null }>(
    sql(`select ${roundsSql('$2')} as rounds from persons p where p.id = $1`),
    [personId, after],
  );
  return r?.rounds ?? [];
}

/** Inserts one extra (follow-up or campaign) task; returns it, or the existing one on a repeat. */
export async function insertExtraTask(
  q: Queryable,
  t: {
    personId: number;
    kind: 'follow_up' | 'campaign';
    period: string;
    start: Date;
    end: Date;
    due: string;
    reason: string;
    sourceEntity?: string | null;
    sourceId?: string | null;
    campaignId?: number | null;
    now: Date;
  },
): Promise<TaskRow> {
  await q.query(
    sql(`insert into visit_tasks (person_id, kind, period, tier, window_start, window_end, due_date, visitor_id,
        town_id, village_id, reason, source_entity, source_id, campaign_id, created_at)
     select p.id, $2, $3, p.tier, $4, $5, $6, p.visitor_id, p.town_id, p.village_id, $7, $8, $9, $10, $11
       from persons p where p.id = $1
     on conflict (person_id, period, kind) do nothing`),
    [
      t.personId,
      t.kind,
      t.period,
      t.start,
      t.end,
      t.due,
      t.reason,
      t.sourceEntity ?? null,
      t.sourceId ?? null,
      t.campaignId ?? null,
      t.now,
    ],
  );
  const [row] = await q.query<TaskRow>(
    sql(`${TASK_SELECT} where t.person_id = $1 and t.period = $2 and t.kind = $3`),
    [t.personId, t.period, t.kind],
  );
  return row;
}

// ---------------------------------------------------------------------------------------------
// Campaigns
// ---------------------------------------------------------------------------------------------

export interface CampaignRow {
  id: number;
  name: string;
  kind: string;
  area_id: number;
  area_name: string;
  selection: CampaignSelection;
  opens_at: Date;
  deadline: string;
  note: string | null;
  /** Section G checks its visits carry whatever the season (migration 033). */
  checks: Season[];
  task_count: number;
  done_count: number;
  open_count: number;
  created_by: number | null;
  created_at: Date;
  version: number;
  updated_at: Date | null;
  closed_at: Date | null;
  closed_by: number | null;
  close_reason: string | null;
}
export interface CampaignSelection {
  tiers?: ('general' | 'key')[];
  flags?: string[];
  minAge?: number;
  /** Only persons in these areas' subtrees (inside the campaign's area): a weather warning for some towns. */
  areaIds?: number[];
}

export async function insertCampaign(
  q: Queryable,
  c: {
    name: string;
    kind: string;
    areaId: number;
    selection: CampaignSelection;
    opensAt: Date;
    deadline: string;
    note?: string | null;
    checks: readonly Season[];
    userId: number | null;
  },
): Promise<number> {
  const [r] = await q.query<{ id: number }>(
    sql(`insert into visit_campaigns (name, kind, area_id, selection, opens_at, deadline, note, checks, created_by,
        created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $5) returning id`),
    [
      c.name,
      c.kind,
      c.areaId,
      JSON.stringify(c.selection),
      c.opensAt,
      c.deadline,
      c.note ?? null,
      [...c.checks],
      c.userId,
    ],
  );
  return r.id;
}

/** Creates the campaign's tasks for the selected active persons of an area subtree. */
export async function insertCampaignTasks(
  q: Queryable,
  o: {
    campaignId: number;
    areaPath: string;
    selection: CampaignSelection;
    start: Date;
    end: Date;
    due: string;
    today: string;
    reason: string;
    now: Date;
  },
): Promise<number> {
  const params: unknown[] = [
    `c${o.campaignId}`,
    o.start,
    o.end,
    o.due,
    o.today,
    o.now,
    o.campaignId,
    o.reason,
  ];
  const where: string[] = [];
  params.push(`${o.areaPath}%`);
  where.push(`p.village_id in (select id from areas where path like $${params.length})`);
  if (o.selection.tiers?.length) {
    params.push(o.selection.tiers);
    where.push(`p.tier = any($${params.length}::text[])`);
  }
  if (o.selection.flags?.length) {
    params.push(o.selection.flags);
    where.push(`p.flags @> $${params.length}::text[]`);
  }
  if (o.selection.areaIds?.length) {
    params.push(o.selection.areaIds);
    where.push(
      `p.village_id in (select v.id from areas v join areas r on r.id = any($${params.length}::int[]) where v.path like r.path || '%')`,
    );
  }
  if (o.selection.minAge) {
    params.push(o.selection.minAge);
    where.push(`p.birth_date <= ($5::date - make_interval(years => $${params.length}::int))::date`);
  }
  const rows = await q.query(
    sql(`insert into visit_tasks (person_id, kind, period, tier, window_start, window_end, due_date, visitor_id,
        town_id, village_id, campaign_id, reason, created_at)
     select p.id, 'campaign', $1, p.tier, $2, $3, $4, p.visitor_id, p.town_id, p.village_id, $7, $8, $6
       from persons p
      where p.status = 'active' and p.support_start <= $5 and ${where.join(' and ')}
     on conflict (person_id, period, kind) do nothing
     returning id`),
    params,
  );
  await q.query(sql('update visit_campaigns set task_count = task_count + $2 where id = $1'), [
    o.campaignId,
    rows.length,
  ]);
  return rows.length;
}

export async function listCampaigns(q: Queryable, scope: Scope, limit = 100): Promise<CampaignRow[]> {
  const params: unknown[] = [];
  let cond = 'true';
  if (!scope.all) {
    params.push(scope.areaIds);
    cond = `c.area_id = any($1::int[])`;
  }
  return q.query<CampaignRow>(
    sql(`select c.*, a.name as area_name,
            (select count(*)::int from visit_tasks t where t.campaign_id = c.id and t.status = 'done') as done_count,
            (select count(*)::int from visit_tasks t where t.campaign_id = c.id and t.status = 'open') as open_count
       from visit_campaigns c join areas a on a.id = c.area_id
      where ${cond} order by c.created_at desc, c.id desc limit ${Math.min(limit, 500)}`),
    params,
  );
}

export async function getCampaign(q: Queryable, id: number): Promise<CampaignRow | undefined> {
  const [r] = await q.query<CampaignRow>(
    sql(`select c.*, a.name as area_name,
            (select count(*)::int from visit_tasks t where t.campaign_id = c.id and t.status = 'done') as done_count,
            (select count(*)::int from visit_tasks t where t.campaign_id = c.id and t.status = 'open') as open_count
       from visit_campaigns c join areas a on a.id = c.area_id where c.id = $1`),
    [id],
  );
  return r;
}

/** Saves an edit of a campaign when `version` still matches; returns false on a stale version. */
export async function updateCampaign(
  q: Queryable,
  id: number,
  version: number,
  c: { name: string; deadline: string; note: string | null; now: Date },
): Promise<boolean> {
  const rows = await q.query(
    sql(`update visit_campaigns set name = $3, deadline = $4, note = $5, updated_at = $6, version = version + 1
      where id = $1 and version = $2 and closed_at is null returning id`),
    [id, version, c.name, c.deadline, c.note, c.now],
  );
  return rows.length === 1;
}

/**
 * Moves the campaign's open and missed tasks to a new deadline (window end = the day after it, China
 * time); a missed task whose new window still contains `now` is open again. Returns the tasks moved.
 */
export async function syncCampaignTasks(
  q: Queryable,
  o: { campaignId: number; due: string; end: Date; reason: string; now: Date },
): Promise<number> {
  const rows = await q.query(
    sql(`update visit_tasks set due_date = $2::date, window_end = $3::timestamptz, reason = $4::text,
            status = case when status = 'missed' and $3::timestamptz > $5::timestamptz then 'open' else status end,
            status_at = case when status = 'missed' and $3::timestamptz > $5::timestamptz then $5::timestamptz
                             else status_at end
      where campaign_id = $1 and kind = 'campaign' and status in ('open', 'missed') returning id`),
    [o.campaignId, o.due, o.end, o.reason, o.now],
  );
  return rows.length;
}

/** Marks the campaign closed and cancels its open tasks with the reason; returns the tasks cancelled. */
export async function closeCampaign(
  q: Queryable,
  o: { id: number; version: number; reason: string; userId: number; now: Date },
): Promise<number | null> {
  const closed = await q.query(
    sql(`update visit_campaigns set closed_at = $3, closed_by = $4, close_reason = $5, updated_at = $3,
            version = version + 1
      where id = $1 and version = $2 and closed_at is null returning id`),
    [o.id, o.version, o.now, o.userId, o.reason],
  );
  if (closed.length === 0) return null;
  const rows = await q.query(
    sql(`update visit_tasks set status = 'cancelled', status_at = $2, status_reason = $3
      where campaign_id = $1 and kind = 'campaign' and status = 'open' returning id`),
    [o.id, o.now, `专项探访已结束：${o.reason}`],
  );
  return rows.length;
}

// ---------------------------------------------------------------------------------------------
// Tasks: lists
// ---------------------------------------------------------------------------------------------

export interface TaskRow {
  id: number;
  person_id: number;
  person_name: string;
  kind: 'regular' | 'follow_up' | 'campaign';
  period: string;
  tier: 'general' | 'key' | null;
  window_start: Date;
  window_end: Date;
  due_date: string;
  visitor_id: number | null;
  visitor_name: string | null;
  town_id: number;
  village_id: number;
  village_name: string | null;
  status: 'open' | 'done' | 'missed' | 'cancelled';
  status_at: Date | null;
  status_reason: string | null;
  visit_id: number | null;
  campaign_id: number | null;
  reason: string | null;
}

/** A TaskRow from `source`: visit_tasks, or a statement's `returning *` of it. */
const taskSelect = (
  source: string,
) => `select t.id, t.person_id, p.name as person_name, t.kind, t.period, t.tier,
    t.window_start, t.window_end, t.due_date, t.visitor_id, u.display_name as visitor_name, t.town_id,
    t.village_id, va.name as village_name, t.status, t.status_at, t.status_reason, t.visit_id, t.campaign_id,
    t.reason
  from ${source} t
  join persons p on p.id = t.person_id
  left join users u on u.id = t.visitor_id
  left join areas va on va.id = t.village_id`;
const TASK_SELECT = taskSelect('visit_tasks');

/** A TaskRow that came back inside json (json_agg): its instants are strings there. */
function taskFromJson(t: TaskRow): TaskRow {
  const at = (x: Date | string | null) => (x == null ? null : new Date(x));
  return Object.assign({}, t, {
    window_start: at(t.window_start)!,
    window_end: at(t.window_end)!,
    status_at: at(t.status_at),
  });
}

export interface TaskFilter {
  visitorId?: number;
  townId?: number;
  villageId?: number;
  personId?: number;
  status?: 'open' | 'done' | 'missed' | 'cancelled' | 'due_soon';
  kind?: 'regular' | 'follow_up' | 'campaign';
  from?: string;
  to?: string;
  /** China today, for "due soon". */
  today: string;
  dueSoonDays: number;
  after?: { due: string; id: number };
  limit: number;
  /** Newest first (a person's history) instead of by due date. */
  desc?: boolean;
}

/** Tasks visible to the scope, filtered, keyset-paged on (due_date, id). */
export async function listTasks(q: Queryable, scope: Scope, f: TaskFilter): Promise<TaskRow[]> {
  const params: unknown[] = [];
  const where: string[] = [personCondition(scope, 'p', params)];
  const add = (sql: (n: string) => string, v: unknown) => {
    params.push(v);
    where.push(sql(`$${params.length}`));
  };
  if (f.visitorId != null) add((n) => `t.visitor_id = ${n}`, f.visitorId);
  if (f.townId != null) add((n) => `t.town_id = ${n}`, f.townId);
  if (f.villageId != null) add((n) => `t.village_id = ${n}`, f.villageId);
  if (f.personId != null) add((n) => `t.person_id = ${n}`, f.personId);
  if (f.kind) add((n) => `t.kind = ${n}`, f.kind);
  if (f.status === 'due_soon') {
    where.push(`t.status = 'open'`);
    add((n) => `t.due_date >= ${n}::date`, f.today);
    add((n) => `t.due_date <= ${n}::date`, addDaysSql(f.today, f.dueSoonDays));
  } else if (f.status) add((n) => `t.status = ${n}`, f.status);
  if (f.from) add((n) => `t.due_date >= ${n}::date`, f.from);
  if (f.to) add((n) => `t.due_date <= ${n}::date`, f.to);
  const dir = f.desc ? 'desc' : 'asc';
  if (f.after) {
    params.push(f.after.due, f.after.id);
    const op = f.desc ? '<' : '>';
    where.push(`(t.due_date, t.id) ${op} ($${params.length - 1}::date, $${params.length}::bigint)`);
  }
  return q.query<TaskRow>(
    sql(
      `${TASK_SELECT} where ${where.join(' and ')} order by t.due_date ${dir}, t.id ${dir} limit ${f.limit}`,
    ),
    params,
  );
}

function addDaysSql(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86400000).toISOString().slice(0, 10);
}

export async function getTask(q: Queryable, id: number, scope: Scope): Promise<TaskRow | undefined> {
  const params: unknown[] = [id];
  const cond = personCondition(scope, 'p', params);
  const [r] = await q.query<TaskRow>(sql(`${TASK_SELECT} where t.id = $1 and ${cond}`), params);
  return r;
}

/** Open tasks due within `days` that have not been reminded yet, per visitor. */
export async function tasksToRemind(q: Queryable, today: string, lastDue: string) {
  return q.query<{ visitor_id: number; ids: number[]; n: number; first_due: string }>(
    sql(`select visitor_id, array_agg(id order by due_date) as ids, count(*)::int as n, min(due_date) as first_due
       from visit_tasks
      where status = 'open' and reminded_at is null and visitor_id is not null
        and due_date >= $1::date and due_date <= $2::date
      group by visitor_id`),
    [today, lastDue],
  );
}

export async function markReminded(q: Queryable, ids: number[], now: Date) {
  await q.query(sql('update visit_tasks set reminded_at = $2 where id = any($1::bigint[])'), [ids, now]);
}

// ---------------------------------------------------------------------------------------------
// Visits
// ---------------------------------------------------------------------------------------------

/** A visit as SQL returns it; `VisitRow` is what the reads give (answers whole). */
interface StoredVisitRow {
  id: number;
  client_id: string;
  person_id: number;
  person_name: string;
  visitor_id: number;
  visitor_name: string;
  town_id: number;
  village_id: number;
  at: Date;
  method: VisitMethod;
  outcome: VisitOutcome;
  qualifying: boolean;
  duration_minutes: number | null;
  notes: string | null;
  checklist_version: number;
  answers: StoredAnswers;
  seasons: string[];
  location_consent: boolean;
  latitude: number | null;
  longitude: number | null;
  photo_count: number;
  has_signature: boolean;
  recorded_by: number;
  recorded_at: Date;
  location_accuracy: number | null;
  opened_at: Date | null;
  submitted_at: Date | null;
  signals: Signal[] | null;
  review_state: ReviewState | null;
  review_note: string | null;
  reviewed_at: Date | null;
  rejected: boolean;
}
export type VisitRow = WithAnswers<StoredVisitRow>;

/** A VisitRow from `source`: visits, or a statement's `returning *` of it. */
const visitSelect = (source: string) => `select v.id, v.client_id, v.person_id, p.name as person_name,
    v.visitor_id, u.display_name as visitor_name, v.town_id, v.village_id, v.at, v.method, v.outcome,
    v.qualifying, v.duration_minutes, v.notes, v.checklist_version, v.answers, v.seasons, v.location_consent,
    v.latitude, v.longitude, v.photo_count, v.has_signature, v.recorded_by, v.recorded_at,
    v.location_accuracy, v.opened_at, v.submitted_at, v.signals, v.review_state, v.review_note,
    v.reviewed_at, v.rejected
  from ${source} v join persons p on p.id = v.person_id join users u on u.id = v.visitor_id`;
const VISIT_SELECT = visitSelect('visits');

/**
 * Inserts a visit and, in the same statement, completes the person's open (or missed) tasks whose
 * window contains its time (`complete`: only for a qualifying visit; `kinds` narrows the task kinds)
 * and writes its event on the person's timeline (`event`; the count of completed tasks is added to
 * its detail as `completedTasks`). Returns the stored visit and the tasks it completed, as the reads
 * of a visit give them, or null when the clientId is already stored (then nothing is written).
 */
export async function insertVisit(
  q: Queryable,
  v: {
    clientId: string;
    personId: number;
    visitorId: number;
    townId: number;
    villageId: number;
    at: Date;
    method: VisitMethod;
    outcome: VisitOutcome;
    qualifying: boolean;
    durationMinutes: number | null;
    notes: string | null;
    checklistVersion: number;
    answers: ChecklistAnswers;
    seasons: string[];
    locationConsent: boolean;
    latitude: number | null;
    longitude: number | null;
    photoCount: number;
    hasSignature: boolean;
    recordedBy: number;
    recordedAt: Date;
    /** What the phone measured and the authenticity signals (migration 024). */
    auth?: {
      locationAccuracy: number | null;
      openedAt: Date | null;
      submittedAt: Date | null;
      photoMeta: PhotoMeta[] | null;
      photoHashes: string[] | null;
      answersHash: string | null;
      signals: Signal[] | null;
    };
  },
  complete: { kinds?: string[] } | null,
  event: { kind: string; title: string; detail: Record<string, unknown>; actorId: number },
  /**
   * The visit's audit row, appended by this same statement (its `completedTasks` filled in by it):
   * for a visit stored without a transaction around it. Its chain's tail row must exist.
   */
  audit?: AuditEntry & { chain: number },
): Promise<{ visit: VisitRow; completed: TaskRow[] } | null> {
  const params: unknown[] = [
    v.clientId,
    v.personId,
    v.visitorId,
    v.townId,
    v.villageId,
    v.at,
    v.method,
    v.outcome,
    v.qualifying,
    v.durationMinutes,
    v.notes,
    v.checklistVersion,
    JSON.stringify(answersToStored(v.answers)),
    v.seasons,
    v.locationConsent,
    v.latitude,
    v.longitude,
    v.photoCount,
    v.hasSignature,
    v.recordedBy,
    v.recordedAt,
    event.kind,
    event.title,
    JSON.stringify(event.detail),
    event.actorId,
  ];
  const a = v.auth;
  const flagged = !!a?.signals?.length;
  const authCols = [
    a?.locationAccuracy ?? null,
    a?.openedAt ?? null,
    a?.submittedAt ?? null,
    a?.photoMeta ? JSON.stringify(a.photoMeta) : null,
    a?.photoHashes ?? null,
    a?.answersHash ?? null,
    flagged ? JSON.stringify(a?.signals) : null,
    flagged ? v.recordedAt : null,
    flagged ? 'pending' : null,
  ].map((x) => {
    params.push(x);
    return `$${params.length}`;
  });
  // With no task to complete the CTE is still there (an empty set), so the statement has one shape.
  let completeSql = 'select * from visit_tasks where false';
  if (complete) {
    params.push(complete.kinds ?? null);
    const kinds = `$${params.length}`;
    completeSql = `update visit_tasks set status = 'done', status_at = $21, visit_id = (select id from ins)
       where person_id = $2 and status in ('open', 'missed') and window_start <= $6 and window_end > $6
         and (${kinds}::text[] is null or kind = any(${kinds}::text[])) and exists (select 1 from ins)
       returning *`;
  }
  const auditSql = audit
    ? `, ${auditInStatementSql(
        params,
        Object.assign({}, audit, { idsKey: 'completedTasks' }),
        `select ins.id, coalesce((select array_agg(d.id order by d.id) from done d), '{}') as ids from ins`,
      )}`
    : '';
  const rows = await q.query<StoredVisitRow & { done_tasks: TaskRow[] }>(
    prepared(`with ins as (
       insert into visits (client_id, person_id, visitor_id, town_id, village_id, at, method, outcome, qualifying,
          duration_minutes, notes, checklist_version, answers, seasons, location_consent, latitude, longitude,
          photo_count, has_signature, recorded_by, recorded_at, location_accuracy, opened_at, submitted_at,
          photo_meta, photo_hashes, answers_hash, signals, signals_at, review_state)
       values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,
          ${authCols.join(',')})
       on conflict (client_id) do nothing returning *),
     done as (${completeSql}),
     -- The visit's row on the person's timeline (person_events, as persons/repo.ts insertPersonEvent writes it).
     ev as (
       insert into person_events (person_id, at, kind, title, detail, actor_id, ref_entity, ref_id)
       select ins.person_id, ins.at, $22, $23,
              $24::jsonb || jsonb_build_object('completedTasks', (select count(*) from done)), $25,
              'visit', ins.id::text
         from ins)${auditSql}
     select x.*, (select coalesce(json_agg(d order by d.id), '[]') from (${taskSelect('done')}) d) as done_tasks
       from (${visitSelect('ins')}) x`),
    params,
  );
  if (!rows.length) return null;
  const { done_tasks, ...visit } = withAnswers(rows)[0];
  return { visit, completed: done_tasks.map(taskFromJson) };
}

/**
 * Adds a signal to a stored visit (a pair rule found it from the other visit, which arrived later):
 * once per rule and other visit; a visit never flagged before waits for review.
 */
export async function addSignal(q: Queryable, visitId: number, signal: Signal, now: Date) {
  await q.query(
    sql(`update visits set signals = coalesce(signals, '[]'::jsonb) || jsonb_build_array($2::jsonb),
            signals_at = $3, review_state = coalesce(review_state, 'pending')
          where id = $1 and not coalesce(signals, '[]'::jsonb) @> jsonb_build_array(jsonb_build_object(
            'rule', $4::text, 'evidence', jsonb_build_object('otherVisitId', $5::bigint)))`),
    [visitId, JSON.stringify(signal), now, signal.rule, signal.evidence.otherVisitId],
  );
}

export async function insertVisitFile(
  q: Queryable,
  f: {
    visitId: number;
    kind: 'photo' | 'signature';
    seq: number;
    mime: string;
    /** From files' keepFile: the bytes inline, or null with `stored` when they are in the store. */
    file: KeptFile;
  },
) {
  await q.query(
    sql(
      `insert into visit_files (visit_id, kind, seq, mime, size, sha256, content, stored) values ($1,$2,$3,$4,$5,$6,$7,$8)`,
    ),
    [f.visitId, f.kind, f.seq, f.mime, f.file.size, f.file.sha256, f.file.content, f.file.stored],
  );
}

export async function findVisitIdByClientId(q: Queryable, clientId: string) {
  const [r] = await q.query<{ id: number; person_id: number }>(
    sql('select id, person_id from visits where client_id = $1'),
    [clientId],
  );
  return r ? { id: Number(r.id), personId: r.person_id } : undefined;
}

export async function getVisit(q: Queryable, id: number, scope: Scope): Promise<VisitRow | undefined> {
  const params: unknown[] = [id];
  const cond = personCondition(scope, 'p', params);
  const [r] = withAnswers(
    await q.query<StoredVisitRow>(prepared(`${VISIT_SELECT} where v.id = $1 and ${cond}`), params),
  );
  return r;
}

export async function listPersonVisits(
  q: Queryable,
  personId: number,
  o: { before?: { at: Date; id: number }; limit: number },
): Promise<VisitRow[]> {
  const params: unknown[] = [personId];
  let cond = '';
  if (o.before) {
    params.push(o.before.at, o.before.id);
    cond = 'and (v.at, v.id) < ($2, $3)';
  }
  return withAnswers(
    await q.query<StoredVisitRow>(
      sql(`${VISIT_SELECT} where v.person_id = $1 ${cond} order by v.at desc, v.id desc limit ${o.limit}`),
      params,
    ),
  );
}

/** The answers (whole) of a person's qualifying visits with `from <= at < to`: what other modules read. */
export async function qualifyingVisitAnswers(
  q: Queryable,
  personId: number,
  from: Date,
  to: Date,
): Promise<ChecklistAnswers[]> {
  const rows = await q.query<{ answers: StoredAnswers }>(
    sql(
      'select answers from visits where person_id = $1 and qualifying and at >= $2 and at < $3 order by at, id',
    ),
    [personId, from, to],
  );
  return withAnswers(rows).map((r) => r.answers);
}

/**
 * Tasks that a visit completed. A visit completes only its own person's tasks, so the person's index
 * finds them (visit_tasks has no index on visit_id: this was a scan of the whole table, 32 ms at 20k
 * persons × 3 months, on every submission's answer and every visit page).
 */
export async function tasksOfVisit(q: Queryable, visitId: number, personId: number): Promise<TaskRow[]> {
  return q.query<TaskRow>(sql(`${TASK_SELECT} where t.person_id = $2 and t.visit_id = $1 order by t.id`), [
    visitId,
    personId,
  ]);
}

/** True when the person had a qualifying in-person visit at or after `since`. */
export async function hasInPersonSince(q: Queryable, personId: number, since: Date): Promise<boolean> {
  const [r] = await q.query<{ n: number }>(
    sql(
      `select count(*)::int as n from visits where person_id = $1 and qualifying and method = 'in_person' and at >= $2`,
    ),
    [personId, since],
  );
  return r.n > 0;
}

export interface VisitFileRow {
  id: number;
  kind: 'photo' | 'signature';
  seq: number;
  mime: string;
  size: number;
}

export async function listVisitFiles(q: Queryable, visitId: number) {
  return q.query<VisitFileRow>(
    sql('select id, kind, seq, mime, size from visit_files where visit_id = $1 order by kind, seq'),
    [visitId],
  );
}

export async function getVisitFile(q: Queryable, visitId: number, fileId: number) {
  const [r] = await q.query<{
    mime: string;
    content: Buffer | Uint8Array | null;
    size: number;
    sha256: string;
    stored: boolean;
  }>(sql('select mime, content, size, sha256, stored from visit_files where visit_id = $1 and id = $2'), [
    visitId,
    fileId,
  ]);
  return r;
}

export type { Frequency };

// ---------------------------------------------------------------------------------------------
// Compacting answers stored whole (stored-answers.ts)
// ---------------------------------------------------------------------------------------------

/** The ids of the visits table (the range `tanfang db compact-answers` walks) and its rows; null when empty. */
export async function visitIdRange(
  q: Queryable,
): Promise<{ first: number; last: number; count: number } | null> {
  const [r] = await q.query<{ first: string | null; last: string | null; count: number }>(
    sql('select min(id) as first, max(id) as last, count(*)::int as count from visits'),
  );
  return r.first === null ? null : { first: Number(r.first), last: Number(r.last), count: r.count };
}

/** The answers of the visits with ids in [from, to), as stored. */
export async function visitAnswersBetween(
  q: Queryable,
  from: number,
  to: number,
): Promise<{ id: number; answers: StoredAnswers }[]> {
  return q.query<{ id: number; answers: StoredAnswers }>(
    sql('select id, answers from visits where id >= $1 and id < $2 order by id'),
    [from, to],
  );
}

/** Writes answers (JSON text) to visits by id where they differ from what is stored; returns how many. */
export async function rewriteVisitAnswers(
  q: Queryable,
  rows: { id: number; answers: string }[],
): Promise<number> {
  if (!rows.length) return 0;
  const [r] = await q.query<{ n: number }>(
    sql(`with u as (
       update visits v set answers = x.answers::jsonb
         from unnest($1::bigint[], $2::text[]) as x(id, answers)
        where v.id = x.id and v.answers <> x.answers::jsonb
       returning 1)
     select count(*)::int as n from u`),
    [rows.map((x) => x.id), rows.map((x) => x.answers)],
  );
  return r.n;
}

// ---------------------------------------------------------------------------------------------
// Photos sent ahead of their visit (PUT /api/visit-photos/:sha256)
// ---------------------------------------------------------------------------------------------

/** Keeps an uploaded photo for its uploader; the same photo again only refreshes its time. */
export async function putUpload(
  q: Queryable,
  u: { userId: number; mime: string; file: KeptFile; now: Date },
): Promise<void> {
  await q.query(
    sql(`insert into visit_uploads (user_id, sha256, mime, size, content, stored, created_at)
     values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (user_id, sha256) do update set created_at = excluded.created_at`),
    [u.userId, u.file.sha256, u.mime, u.file.size, u.file.content, u.file.stored, u.now],
  );
}

export interface UploadRow {
  sha256: string;
  mime: string;
  size: number;
  content: Buffer | Uint8Array | null;
  stored: boolean;
}

/** The user's uploads with these hashes (another user's are not found). */
export async function findUploads(
  q: Queryable,
  userId: number,
  shas: string[],
): Promise<Map<string, UploadRow>> {
  if (!shas.length) return new Map();
  const rows = await q.query<UploadRow>(
    sql(
      `select sha256, mime, size, content, stored from visit_uploads where user_id = $1 and sha256 = any($2::text[])`,
    ),
    [userId, shas],
  );
  return new Map(rows.map((r) => [r.sha256, r]));
}

/** Uploads a visit now names: their row goes (the visit's file row names the same bytes). */
export async function deleteUploads(q: Queryable, userId: number, shas: string[]): Promise<void> {
  if (!shas.length) return;
  await q.query(sql('delete from visit_uploads where user_id = $1 and sha256 = any($2::text[])'), [
    userId,
    shas,
  ]);
}

/** Uploads no visit named within `days` (their stored objects are then the file sweeper's). */
export async function sweepUploads(q: Queryable, before: Date): Promise<number> {
  const [r] = await q.query<{ n: number }>(
    sql(
      'with d as (delete from visit_uploads where created_at < $1 returning 1) select count(*)::int as n from d',
    ),
    [before],
  );
  return r.n;
}

/** Photos (and their bytes) the user sent ahead of visits since `since` (the daily quota). */
export async function uploadsSince(
  q: Queryable,
  userId: number,
  since: Date,
): Promise<{ files: number; bytes: number }> {
  const [r] = await q.query<{ files: number; bytes: number }>(
    sql(`select count(*)::int as files, coalesce(sum(size), 0)::float8 as bytes
       from visit_uploads where user_id = $1 and created_at >= $2`),
    [userId, since],
  );
  return r;
}

/** Files (and their bytes) the user uploaded with visits recorded since `since` (the daily quota). */
export async function filesRecordedSince(
  q: Queryable,
  userId: number,
  since: Date,
): Promise<{ files: number; bytes: number }> {
  const [r] = await q.query<{ files: number; bytes: number }>(
    sql(`select count(f.id)::int as files, coalesce(sum(f.size), 0)::float8 as bytes
       from visits v join visit_files f on f.visit_id = v.id
      where v.recorded_by = $1 and v.recorded_at >= $2 and (v.photo_count > 0 or v.has_signature)`),
    [userId, since],
  );
  return r;
}

/** The person's open or missed regular task whose window contains `at`. */
export async function regularTaskAt(q: Queryable, personId: number, at: Date) {
  const [task] = await q.query<{ period: string }>(
    sql(`select period from visit_tasks where person_id = $1 and kind = 'regular' and status in ('open', 'missed')
       and window_start <= $2 and window_end > $2`),
    [personId, at],
  );
  return task;
}
