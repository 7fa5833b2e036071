import type { ReviewState, Signal, SpotCheckResult } from '../../../shared/authenticity.js';
import type { Queryable } from '../../db/db.js';
import { sql } from '../../db/sql.js';
import { personCondition, personInArea, type Scope } from '../../http/scope.js';
import { type StoredAnswers, withAnswers } from '../visits/index.js';

// ---------------------------------------------------------------------------------------------
// The review queue
// ---------------------------------------------------------------------------------------------

export interface ReviewRow {
  visit_id: number;
  person_id: number;
  person_name: string;
  visitor_id: number;
  visitor_name: string;
  town_id: number;
  town_name: string;
  village_id: number;
  village_name: string;
  at: Date;
  method: string;
  signals: Signal[] | null;
  review_state: ReviewState;
  review_note: string | null;
  reviewed_at: Date | null;
  reviewed_by_name: string | null;
  signals_at: Date | null;
}

const REVIEW_SELECT = `select v.id as visit_id, v.person_id, p.name as person_name, v.visitor_id,
    u.display_name as visitor_name, v.town_id, t.name as town_name, v.village_id, vg.name as village_name,
    v.at, v.method, v.signals, v.review_state, v.review_note, v.reviewed_at, r.display_name as reviewed_by_name,
    v.signals_at
  from visits v join persons p on p.id = v.person_id join users u on u.id = v.visitor_id
  join areas t on t.id = v.town_id join areas vg on vg.id = v.village_id
  left join users r on r.id = v.reviewed_by`;

/** Flagged visits in scope, oldest first (keyset on (at, id)); pending ones by their partial index. */
export async function listReviews(
  q: Queryable,
  scope: Scope,
  f: {
    state?: ReviewState;
    areaId?: number;
    from?: Date;
    to?: Date;
    after?: { at: Date; id: number };
    limit: number;
  },
): Promise<ReviewRow[]> {
  const params: unknown[] = [];
  const where = [personCondition(scope, 'p', params)];
  if (f.state) {
    params.push(f.state);
    where.push(`v.review_state = $${params.length}`);
  } else where.push('v.review_state is not null');
  if (f.areaId != null) {
    params.push(f.areaId);
    where.push(personInArea('v', `$${params.length}`));
  }
  if (f.from) {
    params.push(f.from, f.to);
    where.push(`v.at >= $${params.length - 1} and v.at < $${params.length}`);
  }
  if (f.after) {
    params.push(f.after.at, f.after.id);
    where.push(`(v.at, v.id) > ($${params.length - 1}, $${params.length})`);
  }
  return q.query<ReviewRow>(
    sql(`${REVIEW_SELECT} where ${where.join(' and ')} order by v.at, v.id limit ${f.limit}`),
    params,
  );
}

export async function getReview(q: Queryable, scope: Scope, visitId: number): Promise<ReviewRow | undefined> {
  const params: unknown[] = [visitId];
  const cond = personCondition(scope, 'p', params);
  const [r] = await q.query<ReviewRow>(
    sql(`${REVIEW_SELECT} where v.id = $1 and v.review_state is not null and ${cond}`),
    params,
  );
  return r;
}

/** The answers (whole) of visits, by id: the reviewer's side-by-side view. */
export async function answersOf(q: Queryable, ids: number[]): Promise<Map<number, unknown>> {
  if (!ids.length) return new Map();
  const rows = await q.query<{ id: number; answers: StoredAnswers }>(
    sql('select id, answers from visits where id = any($1::bigint[])'),
    [ids],
  );
  return new Map(withAnswers(rows).map((r) => [Number(r.id), r.answers]));
}

/**
 * Records the town's decision on a pending flagged visit. A rejection also takes the visit out of
 * every "qualifying visit" reader at once: `qualifying` becomes false (the schedule, the figures and
 * their cells — the visits trigger marks them stale —, the ledgers, the phone's bundle all read that
 * column), `rejected` says why. Returns null when the visit is not pending (decided meanwhile).
 */
export async function decide(
  q: Queryable,
  o: { visitId: number; state: Exclude<ReviewState, 'pending'>; note: string | null; by: number; now: Date },
): Promise<{ person_id: number; village_id: number; town_id: number } | null> {
  const [r] = await q.query<{ person_id: number; village_id: number; town_id: number }>(
    sql(`update visits set review_state = $2, review_note = $3, reviewed_by = $4, reviewed_at = $5,
            rejected = ($2 = 'rejected'), qualifying = qualifying and $2 <> 'rejected'
          where id = $1 and review_state = 'pending'
          returning person_id, village_id, town_id`),
    [o.visitId, o.state, o.note, o.by, o.now],
  );
  return r ?? null;
}

/**
 * The tasks a rejected visit completed: done by another qualifying visit of the person in the window
 * if there is one, else open again while the window lasts, else missed.
 */
export async function reopenTasksOf(
  q: Queryable,
  visitId: number,
  now: Date,
): Promise<{ id: number; status: 'open' | 'done' | 'missed'; window_end: Date }[]> {
  return q.query<{ id: number; status: 'open' | 'done' | 'missed'; window_end: Date }>(
    sql(`update visit_tasks t set
            visit_id = o.id,
            status = case when o.id is not null then 'done' when t.window_end > $2 then 'open' else 'missed' end,
            status_at = $2,
            status_reason = case when o.id is null then '探访经核查不予认定' end
          from visit_tasks t0
          left join lateral (select v.id from visits v
                              where v.person_id = t0.person_id and v.qualifying and v.id <> $1
                                and v.at >= t0.window_start and v.at < t0.window_end
                              order by v.at, v.id limit 1) o on true
         where t.id = t0.id and t0.visit_id = $1 and t0.status = 'done'
         returning t.id, t.status, t.window_end`),
    [visitId, now],
  );
}

/** The visits a signal points at (the copied visit, the neighbour, the same photo), in scope. */
export async function visitBriefs(q: Queryable, scope: Scope, ids: number[]) {
  if (!ids.length) return [];
  const params: unknown[] = [ids];
  const cond = personCondition(scope, 'p', params);
  return q.query<{ id: number }>(
    sql(`select v.id from visits v join persons p on p.id = v.person_id
          where v.id = any($1::bigint[]) and ${cond}`),
    params,
  );
}

// ---------------------------------------------------------------------------------------------
// Home points
// ---------------------------------------------------------------------------------------------

export interface HomePointRow {
  person_id: number;
  latitude: number;
  longitude: number;
  source: 'officer' | 'visit';
  source_visit_id: number | null;
  confirmed: boolean;
  set_at: Date;
  set_by_name: string | null;
  version: number;
}

export async function homePoint(q: Queryable, personId: number): Promise<HomePointRow | undefined> {
  const [r] = await q.query<HomePointRow>(
    sql(`select h.*, u.display_name as set_by_name from person_home_points h
           left join users u on u.id = h.set_by where h.person_id = $1`),
    [personId],
  );
  return r;
}

export async function homePointHistory(q: Queryable, personId: number) {
  return q.query<Omit<HomePointRow, 'version'> & { note: string | null; removed: boolean }>(
    sql(`select h.person_id, h.latitude, h.longitude, h.source, h.source_visit_id, h.confirmed, h.set_at,
                u.display_name as set_by_name, h.note, h.removed
           from person_home_point_history h left join users u on u.id = h.set_by
          where h.person_id = $1 order by h.id desc limit 100`),
    [personId],
  );
}

/** The first consented in-person visit with a location (the proposal for a home point). */
export async function firstLocatedVisit(q: Queryable, personId: number, visitId?: number) {
  const [r] = await q.query<{ id: number; at: Date; latitude: number; longitude: number }>(
    sql(`select id, at, latitude, longitude from visits
          where person_id = $1 and method = 'in_person' and location_consent and latitude is not null
            and not rejected and ($2::bigint is null or id = $2)
          order by at, id limit 1`),
    [personId, visitId ?? null],
  );
  return r;
}

export async function putHomePoint(
  q: Queryable,
  h: {
    personId: number;
    latitude: number;
    longitude: number;
    source: 'officer' | 'visit';
    sourceVisitId: number | null;
    by: number;
    now: Date;
    note: string | null;
  },
) {
  await q.query(
    sql(`insert into person_home_points (person_id, latitude, longitude, source, source_visit_id, confirmed, set_by, set_at)
         values ($1, $2, $3, $4, $5, true, $6, $7)
         on conflict (person_id) do update set latitude = excluded.latitude, longitude = excluded.longitude,
           source = excluded.source, source_visit_id = excluded.source_visit_id, confirmed = true,
           set_by = excluded.set_by, set_at = excluded.set_at, version = person_home_points.version + 1`),
    [h.personId, h.latitude, h.longitude, h.source, h.sourceVisitId, h.by, h.now],
  );
  await q.query(
    sql(`insert into person_home_point_history (person_id, latitude, longitude, source, source_visit_id, confirmed, set_by, set_at, note)
         values ($1, $2, $3, $4, $5, true, $6, $7, $8)`),
    [h.personId, h.latitude, h.longitude, h.source, h.sourceVisitId, h.by, h.now, h.note],
  );
}

/**
 * Removes a person's home point (the rules then say "no reference" again); the removed point goes
 * into the history marked removed. Returns the removed row, or undefined when there was none.
 */
export async function deleteHomePoint(
  q: Queryable,
  h: { personId: number; by: number; now: Date; note: string | null },
): Promise<HomePointRow | undefined> {
  const [r] = await q.query<HomePointRow>(
    sql('delete from person_home_points where person_id = $1 returning *'),
    [h.personId],
  );
  if (!r) return undefined;
  await q.query(
    sql(`insert into person_home_point_history (person_id, latitude, longitude, source, source_visit_id, confirmed, set_by, set_at, note, removed)
         values ($1, $2, $3, $4, $5, false, $6, $7, $8, true)`),
    [h.personId, r.latitude, r.longitude, r.source, r.source_visit_id, h.by, h.now, h.note],
  );
  return r;
}

/** A stored visit as the home-point rules read it (place, photos) with its signals and review. */
export interface HomeSignalRow {
  id: number;
  village_id: number;
  method: 'in_person' | 'phone' | 'video';
  latitude: number | null;
  longitude: number | null;
  location_accuracy: number | null;
  photo_meta: { latitude?: number | null; longitude?: number | null }[] | null;
  signals: Signal[] | null;
  review_state: ReviewState | null;
}

/**
 * The person's visits whose home-point signals are computed again when the point changes: those at
 * or after `since` and those still waiting for review, of them only the ones with a place or a photo
 * place to measure. Locked (for update) in the home point's transaction, so a review decided
 * meanwhile is not overwritten with a stale state.
 */
export async function visitsForHomeSignals(
  q: Queryable,
  personId: number,
  since: Date,
): Promise<HomeSignalRow[]> {
  const rows = await q.query<HomeSignalRow>(
    sql(`select id, village_id, method, latitude, longitude, location_accuracy, photo_meta, signals, review_state
           from visits
          where person_id = $1 and (at >= $2 or review_state = 'pending')
            and (latitude is not null or photo_meta is not null)
          order by id for update`),
    [personId, since],
  );
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/**
 * Writes a visit's recomputed signals. An unreviewed visit enters the queue when it has signals now
 * and leaves it when none is left; a decided review (confirmed / explained / rejected) stays as it
 * was — `signals_at` after `reviewed_at` then tells the queue the signals changed after the decision.
 */
export async function setSignals(q: Queryable, visitId: number, signals: Signal[], now: Date) {
  await q.query(
    sql(`update visits set signals = $2::jsonb, signals_at = $3,
            review_state = case when review_state in ('confirmed', 'explained', 'rejected') then review_state
                                when $2::jsonb is null then null else 'pending' end
          where id = $1`),
    [visitId, signals.length ? JSON.stringify(signals) : null, now],
  );
}

// ---------------------------------------------------------------------------------------------
// Spot checks
// ---------------------------------------------------------------------------------------------

/** A town's qualifying visits of a month (the population of its draw), flagged or not. */
export async function drawPopulation(q: Queryable, townId: number, from: Date, to: Date) {
  const rows = await q.query<{ id: number; flagged: boolean }>(
    sql(`select v.id, (v.signals is not null) as flagged from visits v
          where v.town_id = $1 and v.at >= $2 and v.at < $3 and v.qualifying order by v.id`),
    [townId, from, to],
  );
  return rows.map((r) => ({ id: Number(r.id), flagged: r.flagged }));
}

export interface DrawRow {
  id: number;
  town_id: number;
  town_name: string;
  month: string;
  seed: string;
  rate: number;
  minimum: number;
  flagged_weight: number;
  population: number;
  size: number;
  drawn_at: Date;
}

const DRAW_SELECT = `select d.*, a.name as town_name,
    (select count(*)::int from spot_checks s where s.draw_id = d.id) as size
  from spot_check_draws d join areas a on a.id = d.town_id`;

export async function insertDraw(
  q: Queryable,
  d: {
    townId: number;
    month: string;
    seed: string;
    rate: number;
    minimum: number;
    flaggedWeight: number;
    population: number;
    by: number;
    now: Date;
    visitIds: number[];
  },
): Promise<number | null> {
  const [r] = await q.query<{ id: number }>(
    sql(`insert into spot_check_draws (town_id, month, seed, rate, minimum, flagged_weight, population, drawn_by, drawn_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict (town_id, month) do nothing returning id`),
    [d.townId, d.month, d.seed, d.rate, d.minimum, d.flaggedWeight, d.population, d.by, d.now],
  );
  if (!r) return null;
  await q.query(
    sql(`insert into spot_checks (draw_id, visit_id, town_id)
         select $1, x, $2 from unnest($3::bigint[]) x`),
    [r.id, d.townId, d.visitIds],
  );
  return r.id;
}

export async function listDraws(q: Queryable, scope: Scope, month?: string): Promise<DrawRow[]> {
  const params: unknown[] = [month ?? null];
  const cond = scope.all ? 'true' : (params.push(scope.areaIds), `d.town_id = any($2::int[])`);
  return q.query<DrawRow>(
    sql(`${DRAW_SELECT} where ($1::text is null or d.month = $1) and ${cond} order by d.month desc, a.name`),
    params,
  );
}

export async function getDraw(q: Queryable, id: number): Promise<DrawRow | undefined> {
  const [r] = await q.query<DrawRow>(sql(`${DRAW_SELECT} where d.id = $1`), [id]);
  return r;
}

export interface SpotCheckRow {
  id: number;
  draw_id: number;
  month: string;
  visit_id: number;
  visit_at: Date;
  method: string;
  flagged: boolean;
  person_id: number;
  person_name: string;
  visitor_name: string;
  town_id: number;
  town_name: string;
  village_id: number;
  assigned_to: number | null;
  assigned_name: string | null;
  result: SpotCheckResult | null;
  note: string | null;
  checked_at: Date | null;
  concern_id: number | null;
  version: number;
}

const CHECK_SELECT = `select s.id, s.draw_id, d.month, s.visit_id, v.at as visit_at, v.method,
    (v.signals is not null) as flagged, v.person_id, p.name as person_name, vu.display_name as visitor_name,
    s.town_id, t.name as town_name, v.village_id, s.assigned_to, au.display_name as assigned_name,
    s.result, s.note, s.checked_at, s.concern_id, s.version
  from spot_checks s join spot_check_draws d on d.id = s.draw_id join visits v on v.id = s.visit_id
  join persons p on p.id = v.person_id join users vu on vu.id = v.visitor_id join areas t on t.id = s.town_id
  left join users au on au.id = s.assigned_to`;

export async function listSpotChecks(
  q: Queryable,
  scope: Scope,
  f: { month?: string; townId?: number; assignee?: number; open?: boolean },
): Promise<SpotCheckRow[]> {
  const params: unknown[] = [];
  const where = [
    scope.all ? 'true' : (params.push(scope.areaIds), `s.town_id = any($${params.length}::int[])`),
  ];
  if (f.month) where.push((params.push(f.month), `d.month = $${params.length}`));
  if (f.townId) where.push((params.push(f.townId), `s.town_id = $${params.length}`));
  if (f.assignee) where.push((params.push(f.assignee), `s.assigned_to = $${params.length}`));
  if (f.open != null) where.push(f.open ? 's.result is null' : 's.result is not null');
  return q.query<SpotCheckRow>(
    sql(`${CHECK_SELECT} where ${where.join(' and ')} order by d.month desc, t.name, s.id limit 2000`),
    params,
  );
}

export async function getSpotCheck(q: Queryable, id: number): Promise<SpotCheckRow | undefined> {
  const [r] = await q.query<SpotCheckRow>(sql(`${CHECK_SELECT} where s.id = $1`), [id]);
  return r;
}

export async function assignSpotCheck(q: Queryable, id: number, userId: number, version: number) {
  const r = await q.query(
    sql(
      `update spot_checks set assigned_to = $2, version = version + 1 where id = $1 and version = $3 returning id`,
    ),
    [id, userId, version],
  );
  return r.length > 0;
}

export async function recordSpotCheck(
  q: Queryable,
  o: { id: number; result: SpotCheckResult; note: string | null; by: number; now: Date; version: number },
) {
  const r = await q.query(
    sql(`update spot_checks set result = $2, note = $3, checked_by = $4, checked_at = $5, version = version + 1
          where id = $1 and version = $6 returning id`),
    [o.id, o.result, o.note, o.by, o.now, o.version],
  );
  return r.length > 0;
}

export async function setSpotCheckConcern(q: Queryable, id: number, concernId: number) {
  await q.query(sql('update spot_checks set concern_id = $2 where id = $1'), [id, concernId]);
}

/** A bureau user who may be assigned spot checks (holds a spot-check role, not disabled). */
export async function isBureauChecker(q: Queryable, userId: number): Promise<boolean> {
  const [r] = await q.query<{ ok: boolean }>(
    sql(`select exists (select 1 from users u join user_roles g on g.user_id = u.id
          where u.id = $1 and u.disabled_at is null and g.role in ('bureau_admin', 'bureau_supervisor')) as ok`),
    [userId],
  );
  return !!r?.ok;
}

/** The towns in a scope (a district user: all of theirs; a town user: their town). */
export async function townIdsInReach(q: Queryable, scope: Scope): Promise<number[]> {
  const rows = await q.query<{ id: number }>(
    sql(`select id from areas where level = 'town'
          and ($1::boolean or id = any($2::int[]) or parent_id = any($2::int[])) order by id`),
    [scope.all, scope.areaIds],
  );
  return rows.map((r) => r.id);
}
