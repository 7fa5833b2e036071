import type { ActivityType, OrganisationKind, ReachRule } from '../../../shared/outreach.js';
import type { AreaLevel } from '../../../shared/roles.js';
import type { Queryable } from '../../db/db.js';
import { sql } from '../../db/sql.js';
import { areaCondition, pathWithin, personCondition, type Scope } from '../../http/scope.js';

/** Binds values as $n in order (one params array per statement). */
class Params {
  readonly values: unknown[] = [];
  v(x: unknown): string {
    this.values.push(x);
    return `$${this.values.length}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Areas
// ---------------------------------------------------------------------------------------------

export interface AreaBrief {
  id: number;
  name: string;
  level: AreaLevel;
  path: string;
  parent_id: number | null;
  /** The town of the area (itself for a town, its parent for a village, null for the district). */
  town_id: number | null;
}

export async function getAreaBrief(q: Queryable, id: number): Promise<AreaBrief | undefined> {
  const [row] = await q.query<AreaBrief>(
    sql(`select a.id, a.name, a.level, a.path, a.parent_id,
                case a.level when 'town' then a.id when 'village' then a.parent_id end as town_id
           from areas a where a.id = $1`),
    [id],
  );
  return row;
}

/** The area and its children (towns of a district, villages of a town), for the figures' rows. */
export async function childAreas(q: Queryable, id: number) {
  return q.query<{ id: number; name: string }>(
    sql('select id, name from areas where parent_id = $1 and retired_at is null order by code, id'),
    [id],
  );
}

// ---------------------------------------------------------------------------------------------
// Organisations
// ---------------------------------------------------------------------------------------------

export interface OrganisationRow {
  id: number;
  area_id: number;
  area_name: string;
  kind: OrganisationKind;
  name: string;
  credit_code: string | null;
  contact_name: string | null;
  contact_phone: string | null;
  services: string[];
  active: boolean;
  note: string | null;
  activity_count: number;
  version: number;
  created_at: Date;
}

/**
 * Organisations the scope may read: registered in its areas, or on an area above them (the bureau's
 * organisations work in every town, so a town can name them as an activity's organiser).
 */
function orgReadCondition(scope: Scope, p: Params): string {
  if (scope.all) return 'true';
  if (scope.areaIds.length === 0) return 'false';
  const ids = p.v(scope.areaIds);
  return `(o.area_id = any(${ids}::int[])
           or exists (select 1 from areas s where s.id = any(${ids}::int[]) and s.path like oa.path || '%'))`;
}

const ORG_SELECT = `
  select o.id, o.area_id, oa.name as area_name, o.kind, o.name, o.credit_code, o.contact_name, o.contact_phone,
         o.services, o.active, o.note, o.version, o.created_at,
         (select count(*)::int from outreach_activities x where x.organisation_id = o.id) as activity_count
    from outreach_organisations o join areas oa on oa.id = o.area_id`;

export async function listOrganisations(
  q: Queryable,
  scope: Scope,
  f: {
    areaId?: number;
    kind?: OrganisationKind;
    active?: boolean;
    q?: string;
    limit: number;
    offset: number;
  },
) {
  const p = new Params();
  const where = [orgReadCondition(scope, p)];
  if (f.areaId) where.push(`oa.path like (select path from areas where id = ${p.v(f.areaId)}) || '%'`);
  if (f.kind) where.push(`o.kind = ${p.v(f.kind)}`);
  if (f.active !== undefined) where.push(`o.active = ${p.v(f.active)}`);
  if (f.q) where.push(`o.name like ${p.v(`%${f.q.replace(/[%_\\]/g, '\\$&')}%`)}`);
  const w = where.join(' and ');
  const [{ n }] = await q.query<{ n: number }>(
    sql(
      `select count(*)::int as n from outreach_organisations o join areas oa on oa.id = o.area_id where ${w}`,
    ),
    [...p.values],
  );
  const rows = await q.query<OrganisationRow>(
    sql(`${ORG_SELECT} where ${w} order by o.active desc, o.name, o.id
          limit ${p.v(f.limit)} offset ${p.v(f.offset)}`),
    p.values,
  );
  return { rows, total: n };
}

export async function getOrganisation(q: Queryable, scope: Scope, id: number) {
  const p = new Params();
  p.v(id);
  const [row] = await q.query<OrganisationRow>(
    sql(`${ORG_SELECT} where o.id = $1 and ${orgReadCondition(scope, p)}`),
    p.values,
  );
  return row;
}

export async function organisationByCode(q: Queryable, code: string) {
  const [row] = await q.query<{ id: number; name: string }>(
    sql('select id, name from outreach_organisations where credit_code = $1'),
    [code],
  );
  return row;
}

export interface OrganisationValues {
  kind: OrganisationKind;
  name: string;
  creditCode: string | null;
  contactName: string | null;
  contactPhone: string | null;
  services: string[];
  active: boolean;
  note: string | null;
}

export async function insertOrganisation(
  q: Queryable,
  o: OrganisationValues & { areaId: number; createdBy: number; now: Date },
) {
  const [row] = await q.query<{ id: number }>(
    sql(`insert into outreach_organisations (area_id, kind, name, credit_code, contact_name, contact_phone, services,
                                            active, note, created_by, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) returning id`),
    [
      o.areaId,
      o.kind,
      o.name,
      o.creditCode,
      o.contactName,
      o.contactPhone,
      o.services,
      o.active,
      o.note,
      o.createdBy,
      o.now,
    ],
  );
  return row.id;
}

/** Writes the whole row when its version still matches; false when another writer came first. */
export async function updateOrganisation(
  q: Queryable,
  id: number,
  version: number,
  o: OrganisationValues,
  now: Date,
) {
  const rows = await q.query<{ id: number }>(
    sql(`update outreach_organisations
            set kind = $3, name = $4, credit_code = $5, contact_name = $6, contact_phone = $7, services = $8,
                active = $9, note = $10, updated_at = $11, version = version + 1
          where id = $1 and version = $2 returning id`),
    [
      id,
      version,
      o.kind,
      o.name,
      o.creditCode,
      o.contactName,
      o.contactPhone,
      o.services,
      o.active,
      o.note,
      now,
    ],
  );
  return rows.length > 0;
}

export async function deleteOrganisation(q: Queryable, id: number) {
  await q.query(sql('delete from outreach_organisations where id = $1'), [id]);
}

// ---------------------------------------------------------------------------------------------
// Activities
// ---------------------------------------------------------------------------------------------

export interface ActivityRow {
  id: number;
  area_id: number;
  area_name: string;
  town_id: number | null;
  type: ActivityType;
  held_on: string;
  place: string;
  organisation_id: number | null;
  organisation_name: string | null;
  organiser_name: string;
  services: string[];
  summary: string | null;
  reach_rule: ReachRule | null;
  rule_area_name: string | null;
  participant_count: number;
  version: number;
  created_at: Date;
  created_by_name: string | null;
}

/**
 * Activities the scope may read: held by one of its areas, or reaching a person of its areas (a
 * bureau activity in a town is that town's news too; it sees only its own persons in the list).
 */
function activityReadCondition(scope: Scope, p: Params): string {
  if (scope.all) return 'true';
  if (scope.areaIds.length === 0) return 'false';
  const ids = p.v(scope.areaIds);
  return `(a.area_id = any(${ids}::int[])
           or exists (select 1 from outreach_participants op where op.activity_id = a.id
                        and (op.village_id = any(${ids}::int[]) or op.town_id = any(${ids}::int[]))))`;
}

const ACTIVITY_SELECT = `
  select a.id, a.area_id, aa.name as area_name, a.town_id, a.type, a.held_on::text as held_on, a.place,
         a.organisation_id, o.name as organisation_name, a.organiser_name, a.services, a.summary, a.reach_rule,
         (select name from areas where id = (a.reach_rule->>'areaId')::int) as rule_area_name,
         a.participant_count, a.version, a.created_at, u.display_name as created_by_name
    from outreach_activities a
    join areas aa on aa.id = a.area_id
    left join outreach_organisations o on o.id = a.organisation_id
    left join users u on u.id = a.created_by`;

export interface ActivityFilter {
  areaId?: number;
  type?: ActivityType;
  personId?: number;
  organisationId?: number;
  from?: string;
  to?: string;
  limit: number;
  offset: number;
}

export async function listActivities(q: Queryable, scope: Scope, f: ActivityFilter) {
  const p = new Params();
  const where = [activityReadCondition(scope, p)];
  if (f.areaId) {
    const n = p.v(f.areaId);
    const path = `(select path from areas where id = ${n})`;
    where.push(`(${pathWithin('aa.path', path)}
                 or exists (select 1 from outreach_participants op join areas pv on pv.id = op.village_id
                             where op.activity_id = a.id and ${pathWithin('pv.path', path)}))`);
  }
  if (f.type) where.push(`a.type = ${p.v(f.type)}`);
  if (f.organisationId) where.push(`a.organisation_id = ${p.v(f.organisationId)}`);
  if (f.personId)
    where.push(
      `exists (select 1 from outreach_participants op where op.activity_id = a.id and op.person_id = ${p.v(f.personId)})`,
    );
  if (f.from) where.push(`a.held_on >= ${p.v(f.from)}::date`);
  if (f.to) where.push(`a.held_on <= ${p.v(f.to)}::date`);
  const w = where.join(' and ');
  const [{ n }] = await q.query<{ n: number }>(
    sql(`select count(*)::int as n from outreach_activities a join areas aa on aa.id = a.area_id where ${w}`),
    [...p.values],
  );
  const rows = await q.query<ActivityRow>(
    sql(`${ACTIVITY_SELECT} where ${w} order by a.held_on desc, a.id desc
          limit ${p.v(f.limit)} offset ${p.v(f.offset)}`),
    p.values,
  );
  return { rows, total: n };
}

export async function getActivity(q: Queryable, scope: Scope, id: number, forUpdate = false) {
  const p = new Params();
  p.v(id);
  if (forUpdate) await q.query(sql('select id from outreach_activities where id = $1 for update'), [id]);
  const [row] = await q.query<ActivityRow>(
    sql(`${ACTIVITY_SELECT} where a.id = $1 and ${activityReadCondition(scope, p)}`),
    p.values,
  );
  return row;
}

export async function activityByClientId(q: Queryable, clientId: string) {
  const [row] = await q.query<{ id: number }>(
    sql('select id from outreach_activities where client_id = $1'),
    [clientId],
  );
  return row?.id;
}

export interface ParticipantRow {
  person_id: number;
  name: string;
  id_number_masked: string;
  town_id: number;
  town_name: string;
  village_id: number;
  village_name: string;
}

/** An activity's participants the scope may see (an officer of one town sees that town's). */
export async function listParticipants(q: Queryable, scope: Scope, activityId: number) {
  const params: unknown[] = [activityId];
  const cond = scope.all
    ? 'true'
    : `(${areaCondition(scope, 'op.village_id', params)} or op.town_id = any($${params.length}::int[]))`;
  return q.query<ParticipantRow>(
    sql(`select op.person_id, p.name, p.id_number_masked, op.town_id, t.name as town_name, op.village_id,
                v.name as village_name
           from outreach_participants op
           join persons p on p.id = op.person_id
           join areas t on t.id = op.town_id
           join areas v on v.id = op.village_id
          where op.activity_id = $1 and ${cond}
          order by t.code, v.code, p.name, p.id`),
    params,
  );
}

export interface ActivityValues {
  type: ActivityType;
  heldOn: string;
  place: string;
  organisationId: number | null;
  organiserName: string;
  services: string[];
  summary: string | null;
}

export async function insertActivity(
  q: Queryable,
  a: ActivityValues & {
    areaId: number;
    townId: number | null;
    reachRule: ReachRule | null;
    clientId: string | null;
    createdBy: number;
    now: Date;
  },
) {
  const [row] = await q.query<{ id: number }>(
    sql(`insert into outreach_activities (area_id, town_id, type, held_on, place, organisation_id, organiser_name,
                                         services, summary, reach_rule, client_id, created_by, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) returning id`),
    [
      a.areaId,
      a.townId,
      a.type,
      a.heldOn,
      a.place,
      a.organisationId,
      a.organiserName,
      a.services,
      a.summary,
      a.reachRule == null ? null : JSON.stringify(a.reachRule),
      a.clientId,
      a.createdBy,
      a.now,
    ],
  );
  return row.id;
}

export async function updateActivity(
  q: Queryable,
  id: number,
  version: number,
  a: ActivityValues,
  now: Date,
) {
  const rows = await q.query<{ id: number }>(
    sql(`update outreach_activities
            set type = $3, held_on = $4, place = $5, organisation_id = $6, organiser_name = $7, services = $8,
                summary = $9, updated_at = $10, version = version + 1
          where id = $1 and version = $2 returning id`),
    [id, version, a.type, a.heldOn, a.place, a.organisationId, a.organiserName, a.services, a.summary, now],
  );
  return rows.length > 0;
}

/** Replaces the participant list (town and village copied from the persons now) and its count. */
export async function setParticipants(q: Queryable, activityId: number, heldOn: string, personIds: number[]) {
  await q.query(sql('delete from outreach_participants where activity_id = $1'), [activityId]);
  await q.query(
    sql(`insert into outreach_participants (activity_id, person_id, town_id, village_id, held_on)
         select $1, p.id, p.town_id, p.village_id, $2::date from persons p where p.id = any($3::int[])`),
    [activityId, heldOn, personIds],
  );
  await q.query(
    sql(`update outreach_activities set participant_count =
           (select count(*)::int from outreach_participants where activity_id = $1) where id = $1`),
    [activityId],
  );
}

/** Keeps the copied date of the participants in step with the activity's. */
export async function moveParticipantsDate(q: Queryable, activityId: number, heldOn: string) {
  await q.query(sql('update outreach_participants set held_on = $2 where activity_id = $1'), [
    activityId,
    heldOn,
  ]);
}

export async function participantIds(q: Queryable, activityId: number): Promise<number[]> {
  const rows = await q.query<{ person_id: number }>(
    sql('select person_id from outreach_participants where activity_id = $1 order by person_id'),
    [activityId],
  );
  return rows.map((r) => r.person_id);
}

export async function deleteActivity(q: Queryable, id: number) {
  await q.query(sql(`delete from person_events where ref_entity = 'outreach_activity' and ref_id = $1`), [
    String(id),
  ]);
  await q.query(sql('delete from outreach_activities where id = $1'), [id]);
}

/** Removes the timeline entries of an activity for the persons no longer on it. */
export async function deletePersonEvents(q: Queryable, activityId: number, personIds: number[]) {
  if (personIds.length === 0) return;
  await q.query(
    sql(`delete from person_events where ref_entity = 'outreach_activity' and ref_id = $1
          and person_id = any($2::int[])`),
    [String(activityId), personIds],
  );
}

// ---------------------------------------------------------------------------------------------
// Persons: the picked ones checked, a rule resolved
// ---------------------------------------------------------------------------------------------

export interface ReachPerson {
  id: number;
  name: string;
  id_number_masked: string;
  town_id: number;
  town_name: string;
  village_id: number;
  village_name: string;
  status: 'active' | 'paused' | 'ended';
  in_area: boolean;
}

/** The picked persons the scope can see, and whether each lies in the area `areaPath`. */
export async function personsForActivity(q: Queryable, scope: Scope, ids: number[], areaPath: string) {
  const params: unknown[] = [ids, areaPath];
  const cond = personCondition(scope, 'p', params);
  return q.query<ReachPerson>(
    sql(`select p.id, p.name, p.id_number_masked, p.town_id, t.name as town_name, p.village_id,
                v.name as village_name, p.status, v.path like $2 || '%' as in_area
           from persons p join areas t on t.id = p.town_id join areas v on v.id = p.village_id
          where p.id = any($1::int[]) and ${cond}`),
    params,
  );
}

/**
 * The persons a rule names, not ended, in the rule's area and the scope, ordered; at most `limit`
 * (the caller asks for one more than it accepts, to know when a rule names too many).
 */
export async function resolveReachRule(
  q: Queryable,
  scope: Scope,
  rule: ReachRule,
  today: string,
  limit: number,
) {
  const p = new Params();
  const where = [
    `p.status <> 'ended'`,
    pathWithin('v.path', `(select path from areas where id = ${p.v(rule.areaId)})`),
  ];
  where.push(personCondition(scope, 'p', p.values));
  if (rule.flags?.length) where.push(`p.flags @> ${p.v(rule.flags)}::text[]`);
  if (rule.tier) where.push(`p.tier = ${p.v(rule.tier)}`);
  if (rule.aged80) where.push(`p.birth_date <= (${p.v(today)}::date - interval '80 years')::date`);
  return q.query<ReachPerson>(
    sql(`select p.id, p.name, p.id_number_masked, p.town_id, t.name as town_name, p.village_id,
                v.name as village_name, p.status, true as in_area
           from persons p join areas t on t.id = p.town_id join areas v on v.id = p.village_id
          where ${where.join(' and ')}
          order by t.code, v.code, p.name, p.id
          limit ${p.v(limit)}`),
    p.values,
  );
}

// ---------------------------------------------------------------------------------------------
// Figures (shared/metrics.ts OUTREACH_METRICS): one grouped statement each, and the drill-down with
// the same predicates. The slice is any area (region … village): records lie in it by the area path
// of their village (a participant) or of their places (an activity); a child area (the towns of a
// county, the counties of a city, the villages of a town) is the child whose path prefixes theirs.
// ---------------------------------------------------------------------------------------------

/**
 * A participant row counts for "persons reached" when its activity lies in the period and the person
 * was not ended on the activity's date (persons.status_since is the end's effective date).
 */
const REACHED = `not (p.status = 'ended' and p.status_since is not null and p.status_since <= op.held_on)`;

/**
 * The places of each activity of the period ($2–$3): where it was held and the villages of the
 * persons it reached. An activity is in an area when one of its places is.
 */
const PLACES = `places as (
    select a.id as activity_id, a.area_id as place from outreach_activities a
     where a.held_on between $2::date and $3::date
    union
    select op.activity_id, op.village_id from outreach_participants op
     where op.held_on between $2::date and $3::date)`;

/** The slice area's path ($1 is its id). */
const SLICE_PATH = '(select path from areas where id = $1)';

export interface FigureSlice {
  area: { id: number; level: string };
  from: string;
  to: string;
}

/** Per child area and in total: activities and distinct persons reached. */
export async function countOutreach(q: Queryable, s: FigureSlice) {
  const params = [s.area.id, s.from, s.to];
  const reachedFrom = `from outreach_participants op join persons p on p.id = op.person_id
                       join areas v on v.id = op.village_id
                      where op.held_on between $2::date and $3::date and ${REACHED}`;
  const reached = await q.query<{ key: number | null; n: number }>(
    sql(`select c.id as key, count(distinct op.person_id)::int as n ${reachedFrom.replace(
      'join areas v on v.id = op.village_id',
      `join areas v on v.id = op.village_id join areas c on c.parent_id = $1 and ${pathWithin('v.path', 'c.path')}`,
    )} group by c.id
         union all
         select null, count(distinct op.person_id)::int ${reachedFrom} and ${pathWithin('v.path', SLICE_PATH)}`),
    params,
  );
  const activities = await q.query<{ key: number | null; n: number }>(
    sql(`with ${PLACES}
         select c.id as key, count(distinct x.activity_id)::int as n
           from places x join areas pa on pa.id = x.place
           join areas c on c.parent_id = $1 and ${pathWithin('pa.path', 'c.path')}
          group by c.id
         union all
         select null, count(distinct x.activity_id)::int
           from places x join areas pa on pa.id = x.place where ${pathWithin('pa.path', SLICE_PATH)}`),
    params,
  );
  return { reached, activities };
}

export interface OutreachRecordRow {
  id: number;
  name: string;
  town: string;
  village: string | null;
  date: string | null;
  detail: string | null;
}

/** The records behind a figure for the slice (same predicates as countOutreach), paged. */
export async function outreachRecords(
  q: Queryable,
  s: FigureSlice,
  figure: 'outreachPersonsReached' | 'outreachActivities',
  limit: number,
  offset: number,
) {
  const params = [s.area.id, s.from, s.to];
  if (figure === 'outreachPersonsReached') {
    const base = `from outreach_participants op join persons p on p.id = op.person_id
                  join areas v on v.id = op.village_id
                  where op.held_on between $2::date and $3::date and ${REACHED} and ${pathWithin('v.path', SLICE_PATH)}`;
    const [{ n }] = await q.query<{ n: number }>(
      sql(`select count(distinct op.person_id)::int as n ${base}`),
      params,
    );
    const rows = await q.query<OutreachRecordRow>(
      sql(`select r.person_id as id, p.name, t.name as town, v.name as village, r.last::text as date,
                  r.times::text || ' 次' as detail
             from (select op.person_id, max(op.town_id) as town_id, max(op.village_id) as village_id,
                          max(op.held_on) as last, count(*) as times ${base} group by op.person_id) r
             join persons p on p.id = r.person_id join areas t on t.id = r.town_id join areas v on v.id = r.village_id
            order by t.code, v.code, p.name, r.person_id limit $4 offset $5`),
      [...params, limit, offset],
    );
    return { rows, total: n };
  }
  const ids = `(select x.activity_id from places x join areas pa on pa.id = x.place
                 where ${pathWithin('pa.path', SLICE_PATH)})`;
  const [{ n }] = await q.query<{ n: number }>(
    sql(`with ${PLACES} select count(distinct activity_id)::int as n from ${ids} i`),
    params,
  );
  const rows = await q.query<OutreachRecordRow>(
    sql(`with ${PLACES}
         select a.id, a.organiser_name || ' · ' || a.place as name,
                coalesce((select name from areas where id = a.town_id), aa.name) as town,
                case when aa.level = 'village' then aa.name end as village, a.held_on::text as date,
                a.participant_count::text || ' 人' as detail
           from outreach_activities a join areas aa on aa.id = a.area_id
          where a.id in ${ids}
          order by a.held_on, a.id limit $4 offset $5`),
    [...params, limit, offset],
  );
  return { rows, total: n };
}

/** The activities of a period in the slice the scope may read, in keyset batches (the ledger). */
export async function activityBatch(
  q: Queryable,
  s: FigureSlice,
  scope: Scope,
  afterId: number,
  limit: number,
) {
  const p = new Params();
  p.v(s.area.id);
  p.v(s.from);
  p.v(s.to);
  const cond = activityReadCondition(scope, p);
  return q.query<ActivityRow>(
    sql(`with ${PLACES}
         ${ACTIVITY_SELECT}
          where a.id in (select x.activity_id from places x join areas pa on pa.id = x.place
                          where ${pathWithin('pa.path', SLICE_PATH)})
            and ${cond} and a.id > ${p.v(afterId)} order by a.id limit ${p.v(limit)}`),
    p.values,
  );
}

// ---------------------------------------------------------------------------------------------
// The person's activities (the dossier)
// ---------------------------------------------------------------------------------------------

export async function activitiesOfPerson(q: Queryable, personId: number) {
  return q.query<{
    held_on: string;
    type: ActivityType;
    place: string;
    organiser_name: string;
    services: string[];
    summary: string | null;
  }>(
    sql(`select a.held_on::text as held_on, a.type, a.place, a.organiser_name, a.services, a.summary
           from outreach_participants op join outreach_activities a on a.id = op.activity_id
          where op.person_id = $1 order by a.held_on, a.id`),
    [personId],
  );
}

// ---------------------------------------------------------------------------------------------
// Caregiver recognitions (孝老爱亲)
// ---------------------------------------------------------------------------------------------

export interface RecognitionRow {
  id: number;
  caregiver_id: number;
  area_id: number;
  area_name: string;
  title: string;
  awarded_on: string;
  awarded_by: string;
  note: string | null;
  created_at: Date;
}

const RECOGNITION_SELECT = `
  select r.id, r.caregiver_id, r.area_id, a.name as area_name, r.title, r.awarded_on::text as awarded_on,
         r.awarded_by, r.note, r.created_at
    from caregiver_recognitions r join areas a on a.id = r.area_id`;

export async function listRecognitions(q: Queryable, caregiverId: number) {
  return q.query<RecognitionRow>(
    sql(`${RECOGNITION_SELECT} where r.caregiver_id = $1 order by r.awarded_on desc, r.id desc`),
    [caregiverId],
  );
}

export async function getRecognition(q: Queryable, id: number) {
  const [row] = await q.query<RecognitionRow>(sql(`${RECOGNITION_SELECT} where r.id = $1`), [id]);
  return row;
}

export async function insertRecognition(
  q: Queryable,
  r: {
    caregiverId: number;
    areaId: number;
    title: string;
    awardedOn: string;
    awardedBy: string;
    note: string | null;
    createdBy: number;
    now: Date;
  },
) {
  const [row] = await q.query<{ id: number }>(
    sql(`insert into caregiver_recognitions (caregiver_id, area_id, title, awarded_on, awarded_by, note, created_by,
                                            created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning id`),
    [r.caregiverId, r.areaId, r.title, r.awardedOn, r.awardedBy, r.note, r.createdBy, r.now],
  );
  return row.id;
}

export async function deleteRecognition(q: Queryable, id: number) {
  await q.query(sql('delete from caregiver_recognitions where id = $1'), [id]);
}

/**
 * The activity on each reached person's timeline (person_events, as `insertPersonEvent` writes it),
 * in one statement for the whole list; `ref` points back at the activity so an edit or a deletion
 * finds its entries.
 */
export async function insertActivityEvents(
  q: Queryable,
  e: {
    activityId: number;
    personIds: number[];
    at: Date;
    title: string;
    detail: Record<string, unknown>;
    actorId: number;
  },
) {
  if (e.personIds.length === 0) return;
  await q.query(
    sql(`insert into person_events (person_id, at, kind, title, detail, actor_id, ref_entity, ref_id)
         select x, $2, 'outreach.activity', $3, $4::jsonb, $5, 'outreach_activity', $6
           from unnest($1::int[]) x`),
    [e.personIds, e.at, e.title, JSON.stringify(e.detail), e.actorId, String(e.activityId)],
  );
}

export interface ParticipantLedgerRow extends ParticipantRow {
  activity_id: number;
  held_on: string;
  type: ActivityType;
  organiser_name: string;
}

/** The participants of the slice's activities the scope may see, keyset (activity, person). */
export async function participantBatch(
  q: Queryable,
  s: FigureSlice,
  scope: Scope,
  after: { activityId: number; personId: number },
  limit: number,
) {
  const p = new Params();
  p.v(s.area.id);
  p.v(s.from);
  p.v(s.to);
  let cond = 'true';
  if (!scope.all) {
    const ids = p.v(scope.areaIds);
    cond = `(op.village_id = any(${ids}::int[]) or op.town_id = any(${ids}::int[]))`;
  }
  const a1 = p.v(after.activityId);
  const a2 = p.v(after.personId);
  return q.query<ParticipantLedgerRow>(
    sql(`with ${PLACES}
         select op.activity_id, a.held_on::text as held_on, a.type, a.organiser_name, op.person_id, p.name,
                p.id_number_masked, op.town_id, t.name as town_name, op.village_id, v.name as village_name
           from outreach_participants op
           join outreach_activities a on a.id = op.activity_id
           join persons p on p.id = op.person_id
           join areas t on t.id = op.town_id
           join areas v on v.id = op.village_id
          where op.activity_id in (select x.activity_id from places x join areas pa on pa.id = x.place
                                    where ${pathWithin('pa.path', SLICE_PATH)})
            and ${cond} and (op.activity_id, op.person_id) > (${a1}::int, ${a2}::int)
          order by op.activity_id, op.person_id limit ${p.v(limit)}`),
    p.values,
  );
}

// ---------------------------------------------------------------------------------------------
// Activity photos (activity_files: the columns of visit_files)
// ---------------------------------------------------------------------------------------------

export async function listPhotos(q: Queryable, activityId: number) {
  return q.query<{ id: number; mime: string; size: number }>(
    sql(`select id::int as id, mime, size from activity_files where activity_id = $1 order by seq, id`),
    [activityId],
  );
}

export async function getPhoto(q: Queryable, activityId: number, photoId: number) {
  const [row] = await q.query<{ id: number; mime: string; content: Buffer }>(
    sql('select id::int as id, mime, content from activity_files where activity_id = $1 and id = $2'),
    [activityId, photoId],
  );
  return row;
}

/** Adds a photo as the next in order; null when the activity already has `max`. */
export async function insertPhoto(
  q: Queryable,
  f: {
    activityId: number;
    mime: string;
    content: Buffer;
    sha256: string;
    max: number;
    createdBy: number;
    now: Date;
  },
) {
  const rows = await q.query<{ id: number }>(
    sql(`insert into activity_files (activity_id, kind, seq, mime, size, sha256, content, created_by, created_at)
         select $1, 'photo', coalesce(max(seq), 0) + 1, $2, $3, $4, $5, $6, $7
           from activity_files where activity_id = $1
         having count(*) < $8
         returning id::int as id`),
    [f.activityId, f.mime, f.content.length, f.sha256, f.content, f.createdBy, f.now, f.max],
  );
  return rows[0]?.id ?? null;
}

export async function deletePhoto(q: Queryable, activityId: number, photoId: number) {
  const rows = await q.query<{ id: number }>(
    sql('delete from activity_files where activity_id = $1 and id = $2 returning id::int as id'),
    [activityId, photoId],
  );
  return rows.length > 0;
}
