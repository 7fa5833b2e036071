import type { ReviewState } from '../../../shared/authenticity.js';
import type { Season, VisitMethod, VisitOutcome } from '../../../shared/checklist.js';
import type { SeasonRange } from '../../../shared/schedule.js';
import type { Encrypted } from '../../crypto/field-cipher.js';
import type { Queryable } from '../../db/db.js';
import { sql } from '../../db/sql.js';
import { personCondition, type Scope } from '../../http/scope.js';
import { type StoredAnswers, type WithAnswers, withAnswers } from '../visits/index.js';

// Reads behind the visitor app's offline bundle. Every query starts from the visitor's OWN persons
// (responsible or backup visitor, person not ended) inside the scope, so nothing else is cached on
// a phone.

export interface OwnPersonRow {
  id: number;
  name: string;
  birth_date: string;
  sex: 'male' | 'female';
  phone_enc: Encrypted | null;
  current_address: string | null;
  registered_address: string | null;
  town_id: number;
  village_id: number;
  village_name: string;
  village_path: string;
  status: 'active' | 'paused' | 'ended';
  self_care: 'capable' | 'partial' | 'none';
  tier: 'general' | 'key';
  flags: string[];
  flag_note: string | null;
  benefit_card: 'self' | 'custodian' | 'lost' | 'none';
  card_custodian: string | null;
  backup: boolean;
}

export async function listOwnPersons(q: Queryable, scope: Scope): Promise<OwnPersonRow[]> {
  const params: unknown[] = [scope.userId];
  const cond = personCondition(scope, 'p', params);
  return q.query<OwnPersonRow>(
    sql(`select p.id, p.name, p.birth_date::text as birth_date, p.sex, p.phone_enc, p.current_address,
            p.registered_address, p.town_id, p.village_id, v.name as village_name, v.path as village_path,
            p.status, p.self_care, p.tier, p.flags, p.flag_note, p.benefit_card, p.card_custodian,
            (p.visitor_id is distinct from $1) as backup
       from persons p join areas v on v.id = p.village_id
      where p.status <> 'ended'
        and (p.visitor_id = $1 or exists (select 1 from person_assignments pa where pa.person_id = p.id
              and pa.visitor_id = $1 and pa.kind = 'backup' and pa.to_at is null))
        and ${cond}
      order by p.name, p.id`),
    params,
  );
}

export interface BundleTaskRow {
  id: number;
  person_id: number;
  kind: 'regular' | 'follow_up' | 'campaign';
  period: string;
  tier: 'general' | 'key' | null;
  window_start: Date;
  window_end: Date;
  due_date: string;
  status: 'open' | 'done' | 'missed' | 'cancelled';
  status_at: Date | null;
  reason: string | null;
  /** The round's section G checks (campaign tasks; empty otherwise). */
  checks: Season[];
}

/**
 * Open tasks of the persons, and those done in a window still running (the period's progress); also
 * a round's missed tasks with checks from the last 31 days: a late visit inside their window still
 * completes them (visits/repo.ts insertVisit), so its form must ask their checks — otherwise a visit
 * the server refused for them could not be corrected on the phone. The lists show open and done only.
 */
export async function listTasksOf(q: Queryable, personIds: number[], now: Date): Promise<BundleTaskRow[]> {
  if (personIds.length === 0) return [];
  return q.query<BundleTaskRow>(
    sql(`select t.id, t.person_id, t.kind, t.period, t.tier, t.window_start, t.window_end,
            t.due_date::text as due_date, t.status, t.status_at, t.reason, coalesce(c.checks, '{}') as checks
       from visit_tasks t left join visit_campaigns c on c.id = t.campaign_id
      where t.person_id = any($1::int[])
        and (t.status = 'open' or (t.status = 'done' and t.window_end > $2)
             or (t.status = 'missed' and t.kind = 'campaign' and cardinality(c.checks) > 0
                 and t.window_end > $2::timestamptz - interval '31 days'))
      order by t.due_date, t.id`),
    [personIds, now],
  );
}

export interface LastVisitRow {
  id: number;
  person_id: number;
  at: Date;
  method: VisitMethod;
  outcome: VisitOutcome;
  notes: string | null;
  checklist_version: number;
  answers: StoredAnswers;
  visitor_name: string;
}

/**
 * The latest qualifying visit of each person (its findings are shown on the doorstep): one index probe
 * per person. (A `distinct on` over all their visits read a year of visits and hashed the whole users
 * table against them: 40,000 users scanned per phone sync at 1,000,000 persons.)
 */
export async function lastVisitsOf(q: Queryable, personIds: number[]): Promise<WithAnswers<LastVisitRow>[]> {
  if (personIds.length === 0) return [];
  return withAnswers(
    await q.query<LastVisitRow>(
      sql(`select v.id, v.person_id, v.at, v.method, v.outcome, v.notes, v.checklist_version, v.answers,
            u.display_name as visitor_name
       from unnest($1::int[]) as pid(id)
       cross join lateral (
         select * from visits x where x.person_id = pid.id and x.qualifying
          order by x.at desc, x.id desc limit 1) v
       join users u on u.id = v.visitor_id
      order by v.person_id`),
      [personIds],
    ),
  );
}

export interface ConcernRow {
  id: number;
  person_id: number;
  category: string;
  description: string;
  status: string;
  deadline: string | null;
  created_at: Date;
}

export async function openConcernsOf(q: Queryable, personIds: number[]): Promise<ConcernRow[]> {
  if (personIds.length === 0) return [];
  return q.query<ConcernRow>(
    sql(`select id, person_id, category, description, status, deadline::text as deadline, created_at
       from concerns
      where person_id = any($1::int[]) and status in ('open', 'in_progress')
      order by person_id, id`),
    [personIds],
  );
}

export interface CaregiverRow {
  person_id: number;
  name: string;
  relation: string;
  phone_enc: Encrypted | null;
}

/** The current caregiver of each person (open assignment spell). */
export async function caregiversOf(q: Queryable, personIds: number[]): Promise<CaregiverRow[]> {
  if (personIds.length === 0) return [];
  return q.query<CaregiverRow>(
    sql(`select distinct on (ca.person_id) ca.person_id, c.name, ca.relation, c.phone_enc
       from caregiver_assignments ca join caregivers c on c.id = ca.caregiver_id
      where ca.person_id = any($1::int[]) and ca.to_date is null
      order by ca.person_id, ca.from_date desc, ca.id desc`),
    [personIds],
  );
}

export interface RecentVisitRow {
  id: number;
  client_id: string;
  person_id: number;
  person_name: string;
  at: Date;
  method: VisitMethod;
  outcome: VisitOutcome;
  qualifying: boolean;
  photo_count: number;
  flags: string[] | null;
  review_state: ReviewState | null;
  review_note: string | null;
}

/** The visitor's own latest visits (any person, also ones no longer assigned). */
export async function recentVisitsBy(
  q: Queryable,
  visitorId: number,
  limit: number,
): Promise<RecentVisitRow[]> {
  return q.query<RecentVisitRow>(
    sql(`select v.id, v.client_id, v.person_id, p.name as person_name, v.at, v.method, v.outcome, v.qualifying,
            v.photo_count, (select array_agg(x->>'reason') from jsonb_array_elements(v.signals) x) as flags,
            v.review_state, v.review_note
       from visits v join persons p on p.id = v.person_id
      where v.visitor_id = $1
      order by v.at desc, v.id desc
      limit ${limit}`),
    [visitorId],
  );
}

/** Every 'visits.seasons' setting with the path of its area (null area = the whole system). */
export async function seasonSettings(
  q: Queryable,
): Promise<{ path: string | null; value: { heating: SeasonRange; flood: SeasonRange } }[]> {
  return q.query(
    sql(
      `select a.path, s.value from settings s left join areas a on a.id = s.area_id where s.key = 'visits.seasons'`,
    ),
  );
}
