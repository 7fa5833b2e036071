import type { Encrypted } from '../../crypto/field-cipher.js';
import type { Queryable } from '../../db/db.js';
import { prepared, sql } from '../../db/sql.js';
import { personCondition, personInArea, type Scope } from '../../http/scope.js';

export interface NewPersonRow {
  name: string;
  idNumberEnc: Encrypted;
  idNumberHash: string;
  idNumberMasked: string;
  birthDate: string;
  sex: 'male' | 'female';
  ethnicity?: string | null;
  phoneEnc?: Encrypted | null;
  phoneHash?: string | null;
  phoneMasked?: string | null;
  registeredAddress?: string | null;
  currentAddress?: string | null;
  townId: number;
  villageId: number;
  supportStart: string;
  selfCare: 'capable' | 'partial' | 'none';
  tier: 'general' | 'key';
  flags?: string[];
  benefitCard?: 'self' | 'custodian' | 'lost' | 'none';
  cardCustodian?: string | null;
  visitorId?: number | null;
  now: Date;
}

/** Inserts the person row only (callers add assessment, assignment, status and timeline rows). */
export async function insertPerson(q: Queryable, p: NewPersonRow): Promise<number> {
  const [row] = await q.query<{ id: number }>(
    sql(`insert into persons (name, id_number_enc, id_number_hash, id_number_masked, birth_date, sex, ethnicity,
        phone_enc, phone_hash, phone_masked, registered_address, current_address, town_id, village_id,
        support_start, status_since, self_care, tier, flags, benefit_card, card_custodian, visitor_id, created_at, updated_at)
     values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$15,$16,$17,$18,$19,$20,$21,$22,$22)
     returning id`),
    [
      p.name,
      p.idNumberEnc,
      p.idNumberHash,
      p.idNumberMasked,
      p.birthDate,
      p.sex,
      p.ethnicity ?? null,
      p.phoneEnc ?? null,
      p.phoneHash ?? null,
      p.phoneMasked ?? null,
      p.registeredAddress ?? null,
      p.currentAddress ?? null,
      p.townId,
      p.villageId,
      p.supportStart,
      p.selfCare,
      p.tier,
      p.flags ?? [],
      p.benefitCard ?? 'self',
      p.cardCustodian ?? null,
      p.visitorId ?? null,
      p.now,
    ],
  );
  return row.id;
}

/** Appends one event to a person's timeline; every module calls this inside its own transaction. */
export async function insertPersonEvent(
  q: Queryable,
  e: {
    personId: number;
    at: Date;
    kind: string;
    title: string;
    detail?: Record<string, unknown>;
    actorId?: number | null;
    refEntity?: string;
    refId?: string | number;
  },
): Promise<void> {
  await q.query(
    prepared(`insert into person_events (person_id, at, kind, title, detail, actor_id, ref_entity, ref_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`),
    [
      e.personId,
      e.at,
      e.kind,
      e.title,
      JSON.stringify(e.detail ?? {}),
      e.actorId ?? null,
      e.refEntity ?? null,
      e.refId == null ? null : String(e.refId),
    ],
  );
}

// ---------------------------------------------------------------------------------------------
// Reads and writes of the person file. Every read takes the actor's Scope (personCondition).

export interface PersonRow {
  id: number;
  name: string;
  id_number_enc: Encrypted;
  id_number_masked: string;
  birth_date: string;
  sex: 'male' | 'female';
  ethnicity: string | null;
  phone_enc: Encrypted | null;
  phone_masked: string | null;
  registered_address: string | null;
  current_address: string | null;
  town_id: number;
  town_name: string;
  village_id: number;
  village_name: string;
  latitude: number | null;
  longitude: number | null;
  status: 'active' | 'paused' | 'ended';
  status_reason: string | null;
  status_since: string | null;
  paused_until: string | null;
  end_reason: string | null;
  support_start: string;
  certificate_no: string | null;
  self_care: 'capable' | 'partial' | 'none';
  tier: 'general' | 'key';
  flags: string[];
  flag_note: string | null;
  benefit_card: 'self' | 'custodian' | 'lost' | 'none';
  card_custodian: string | null;
  card_custodian_reason: string | null;
  visitor_id: number | null;
  visitor_name: string | null;
  note: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const PERSON_SELECT = `
  select p.id, p.name, p.id_number_enc, p.id_number_masked, p.birth_date, p.sex, p.ethnicity, p.phone_enc,
         p.phone_masked, p.registered_address, p.current_address, p.town_id, t.name as town_name, p.village_id,
         v.name as village_name, p.latitude, p.longitude, p.status, p.status_reason, p.status_since,
         p.paused_until, p.end_reason, p.support_start, p.certificate_no, p.self_care, p.tier, p.flags,
         p.flag_note, p.benefit_card, p.card_custodian, p.card_custodian_reason, p.visitor_id,
         u.display_name as visitor_name, p.note, p.version, p.created_at, p.updated_at
    from persons p
    join areas t on t.id = p.town_id
    join areas v on v.id = p.village_id
    left join users u on u.id = p.visitor_id`;

/** A person as lists show it: no encrypted numbers, addresses, notes or card details. */
export type PersonListRow = Pick<
  PersonRow,
  | 'id'
  | 'name'
  | 'id_number_masked'
  | 'birth_date'
  | 'sex'
  | 'ethnicity'
  | 'phone_masked'
  | 'town_id'
  | 'town_name'
  | 'village_id'
  | 'village_name'
  | 'status'
  | 'status_reason'
  | 'status_since'
  | 'paused_until'
  | 'end_reason'
  | 'self_care'
  | 'tier'
  | 'flags'
  | 'visitor_id'
  | 'visitor_name'
  | 'version'
>;

const PERSON_LIST_SELECT = `
  select p.id, p.name, p.id_number_masked, p.birth_date, p.sex, p.ethnicity, p.phone_masked, p.town_id,
         t.name as town_name, p.village_id, v.name as village_name, p.status, p.status_reason,
         p.status_since, p.paused_until, p.end_reason, p.self_care, p.tier, p.flags, p.visitor_id,
         u.display_name as visitor_name, p.version
    from persons p
    join areas t on t.id = p.town_id
    join areas v on v.id = p.village_id
    left join users u on u.id = p.visitor_id`;

export interface PersonFilter {
  areaId?: number;
  tier?: 'general' | 'key';
  status?: 'active' | 'paused' | 'ended';
  unassigned?: boolean;
  visitorId?: number;
  flags?: string[];
  /** 80+ on this China date. */
  aged80On?: string;
  /** Name fragment. */
  name?: string;
  idNumberHash?: string;
  /** The last four characters of the ID number: matched against the masked form, which shows them. */
  idTail?: string;
  phoneHash?: string;
  cursor?: number;
  limit: number;
}

/** Persons in scope matching the filter, by id (keyset: `cursor` is the last id of the previous page). */
export async function listPersons(q: Queryable, scope: Scope, f: PersonFilter): Promise<PersonListRow[]> {
  const params: unknown[] = [];
  const where = [personCondition(scope, 'p', params)];
  const add = (sql: (n: string) => string, v: unknown) => {
    params.push(v);
    where.push(sql(`$${params.length}`));
  };
  if (f.areaId) {
    add((n) => personInArea('p', n), f.areaId);
  }
  if (f.tier) add((n) => `p.tier = ${n}`, f.tier);
  if (f.status) add((n) => `p.status = ${n}`, f.status);
  if (f.unassigned) where.push(`p.visitor_id is null and p.status = 'active'`);
  if (f.visitorId) add((n) => `p.visitor_id = ${n}`, f.visitorId);
  if (f.flags?.length) add((n) => `p.flags @> ${n}::text[]`, f.flags);
  if (f.aged80On) add((n) => `p.birth_date <= (${n}::date - interval '80 years')::date`, f.aged80On);
  if (f.name) add((n) => `p.name like ${n}`, `%${f.name.replace(/[%_\\]/g, '\\$&')}%`);
  if (f.idNumberHash) add((n) => `p.id_number_hash = ${n}`, f.idNumberHash);
  if (f.idTail) add((n) => `right(p.id_number_masked, 4) = ${n}`, f.idTail);
  if (f.phoneHash) add((n) => `p.phone_hash = ${n}`, f.phoneHash);
  if (f.cursor) add((n) => `p.id > ${n}`, f.cursor);
  params.push(f.limit);
  return q.query<PersonListRow>(
    sql(`${PERSON_LIST_SELECT} where ${where.join(' and ')} order by p.id limit $${params.length}`),
    params,
  );
}

export async function getPerson(q: Queryable, scope: Scope, id: number, forUpdate = false) {
  const params: unknown[] = [id];
  const cond = personCondition(scope, 'p', params);
  return (
    await q.query<PersonRow>(
      sql(`${PERSON_SELECT} where p.id = $1 and ${cond}${forUpdate ? ' for update of p' : ''}`),
      params,
    )
  )[0];
}

/** The live (not ended) file with this ID number, whatever the scope: uniqueness is district-wide. */
export async function findLiveByIdHash(q: Queryable, hash: string, exceptId?: number) {
  return (
    await q.query<{ id: number; name: string; town_id: number; village_id: number }>(
      sql(`select id, name, town_id, village_id from persons
        where id_number_hash = $1 and status <> 'ended' and id <> coalesce($2, 0)`),
      [hash, exceptId ?? null],
    )
  )[0];
}

/** Live files for many ID hashes at once (import batches). */
export async function findLiveByIdHashes(q: Queryable, hashes: string[]) {
  if (hashes.length === 0) return [];
  return q.query<{
    id: number;
    id_number_hash: string;
    town_id: number;
    village_id: number;
    self_care: string;
    visitor_id: number | null;
    version: number;
  }>(
    sql(`select id, id_number_hash, town_id, village_id, self_care, visitor_id, version from persons
      where id_number_hash = any($1::text[]) and status <> 'ended'`),
    [hashes],
  );
}

/** Other live files with the same name and birth date (a probable duplicate under another number). */
export async function findSimilar(q: Queryable, name: string, birthDate: string, exceptId?: number) {
  return q.query<{
    id: number;
    name: string;
    id_number_masked: string;
    village_name: string;
    town_id: number;
    village_id: number;
  }>(
    sql(`select p.id, p.name, p.id_number_masked, v.name as village_name, p.town_id, p.village_id
       from persons p join areas v on v.id = p.village_id
      where p.name = $1 and p.birth_date = $2 and p.status <> 'ended' and p.id <> coalesce($3, 0)
      order by p.id limit 5`),
    [name, birthDate, exceptId ?? null],
  );
}

export interface PersonPatch {
  name?: string;
  idNumberEnc?: Encrypted;
  idNumberHash?: string;
  idNumberMasked?: string;
  birthDate?: string;
  sex?: 'male' | 'female';
  ethnicity?: string | null;
  phoneEnc?: Encrypted | null;
  phoneHash?: string | null;
  phoneMasked?: string | null;
  registeredAddress?: string | null;
  currentAddress?: string | null;
  townId?: number;
  villageId?: number;
  latitude?: number | null;
  longitude?: number | null;
  supportStart?: string;
  certificateNo?: string | null;
  selfCare?: 'capable' | 'partial' | 'none';
  tier?: 'general' | 'key';
  flags?: string[];
  flagNote?: string | null;
  benefitCard?: 'self' | 'custodian' | 'lost' | 'none';
  cardCustodian?: string | null;
  cardCustodianReason?: string | null;
  note?: string | null;
  status?: 'active' | 'paused' | 'ended';
  statusReason?: string | null;
  statusSince?: string | null;
  pausedUntil?: string | null;
  endReason?: string | null;
  visitorId?: number | null;
}

const PATCH_COLUMNS: Record<keyof PersonPatch, string> = {
  name: 'name',
  idNumberEnc: 'id_number_enc',
  idNumberHash: 'id_number_hash',
  idNumberMasked: 'id_number_masked',
  birthDate: 'birth_date',
  sex: 'sex',
  ethnicity: 'ethnicity',
  phoneEnc: 'phone_enc',
  phoneHash: 'phone_hash',
  phoneMasked: 'phone_masked',
  registeredAddress: 'registered_address',
  currentAddress: 'current_address',
  townId: 'town_id',
  villageId: 'village_id',
  latitude: 'latitude',
  longitude: 'longitude',
  supportStart: 'support_start',
  certificateNo: 'certificate_no',
  selfCare: 'self_care',
  tier: 'tier',
  flags: 'flags',
  flagNote: 'flag_note',
  benefitCard: 'benefit_card',
  cardCustodian: 'card_custodian',
  cardCustodianReason: 'card_custodian_reason',
  note: 'note',
  status: 'status',
  statusReason: 'status_reason',
  statusSince: 'status_since',
  pausedUntil: 'paused_until',
  endReason: 'end_reason',
  visitorId: 'visitor_id',
};

/**
 * Updates the given fields; with `version` only when it still matches (false = stale). Always bumps
 * the version, so a second editor holding the old one gets a conflict.
 */
export async function updatePerson(
  q: Queryable,
  id: number,
  version: number | null,
  patch: PersonPatch,
  now: Date,
): Promise<boolean> {
  const params: unknown[] = [id, now];
  const sets: string[] = [];
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    params.push(v);
    sets.push(`${PATCH_COLUMNS[k as keyof PersonPatch]} = $${params.length}`);
  }
  let cond = '';
  if (version != null) {
    params.push(version);
    cond = ` and version = $${params.length}`;
  }
  const rows = await q.query(
    sql(`update persons set ${[...sets, 'updated_at = $2', 'version = version + 1'].join(', ')}
      where id = $1${cond} returning id`),
    params,
  );
  return rows.length === 1;
}

export async function insertStatusChange(
  q: Queryable,
  s: {
    personId: number;
    status: 'active' | 'paused' | 'ended';
    effectiveOn: string;
    reason?: string | null;
    until?: string | null;
    actorId: number | null;
    now: Date;
  },
) {
  await q.query(
    sql(`insert into person_status_changes (person_id, status, effective_on, reason, until, actor_id, created_at)
     values ($1, $2, $3, $4, $5, $6, $7)`),
    [s.personId, s.status, s.effectiveOn, s.reason ?? null, s.until ?? null, s.actorId, s.now],
  );
}

export interface AssessmentRow {
  id: number;
  person_id: number;
  assessed_on: string;
  indicators: Record<string, boolean>;
  level: 'capable' | 'partial' | 'none';
  assessor_name: string | null;
  assessor_id: number | null;
  note: string | null;
  created_at: Date;
}

export async function insertAssessment(
  q: Queryable,
  a: {
    personId: number;
    assessedOn: string;
    indicators: Record<string, boolean>;
    level: 'capable' | 'partial' | 'none';
    assessorName?: string | null;
    assessorId?: number | null;
    note?: string | null;
    now: Date;
  },
): Promise<number> {
  const [r] = await q.query<{ id: number }>(
    sql(`insert into assessments (person_id, assessed_on, indicators, level, assessor_name, assessor_id, note, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8) returning id`),
    [
      a.personId,
      a.assessedOn,
      JSON.stringify(a.indicators),
      a.level,
      a.assessorName ?? null,
      a.assessorId ?? null,
      a.note ?? null,
      a.now,
    ],
  );
  return r.id;
}

export async function listAssessments(q: Queryable, personId: number): Promise<AssessmentRow[]> {
  return q.query<AssessmentRow>(
    sql('select * from assessments where person_id = $1 order by assessed_on desc, id desc'),
    [personId],
  );
}

/** The newest assessment date of a person (the one whose level is current). */
export async function latestAssessmentDate(q: Queryable, personId: number): Promise<string | null> {
  const [r] = await q.query<{ d: string | null }>(
    sql('select max(assessed_on) as d from assessments where person_id = $1'),
    [personId],
  );
  return r.d;
}

export interface AssignmentRow {
  id: number;
  person_id: number;
  visitor_id: number;
  visitor_name: string;
  kind: 'responsible' | 'backup';
  from_at: Date;
  to_at: Date | null;
  actor_id: number | null;
  actor_name: string | null;
}

export async function listAssignments(q: Queryable, personId: number): Promise<AssignmentRow[]> {
  return q.query<AssignmentRow>(
    sql(`select pa.id, pa.person_id, pa.visitor_id, u.display_name as visitor_name, pa.kind, pa.from_at, pa.to_at,
            pa.actor_id, au.display_name as actor_name
       from person_assignments pa join users u on u.id = pa.visitor_id left join users au on au.id = pa.actor_id
      where pa.person_id = $1 order by pa.from_at desc, pa.id desc`),
    [personId],
  );
}

/** Ends the open assignments of these persons (of one kind, or all). */
export async function closeAssignments(
  q: Queryable,
  personIds: number[],
  kind: 'responsible' | 'backup' | null,
  now: Date,
) {
  await q.query(
    sql(`update person_assignments set to_at = $2
      where person_id = any($1::int[]) and to_at is null and ($3::text is null or kind = $3)`),
    [personIds, now, kind],
  );
}

/** Opens one assignment per person (same visitor, kind and actor). */
export async function openAssignments(
  q: Queryable,
  personIds: number[],
  visitorId: number,
  kind: 'responsible' | 'backup',
  actorId: number | null,
  now: Date,
) {
  if (personIds.length === 0) return;
  await q.query(
    sql(`insert into person_assignments (person_id, visitor_id, kind, from_at, actor_id)
     select x, $2, $3, $4, $5 from unnest($1::int[]) as x`),
    [personIds, visitorId, kind, now, actorId],
  );
}

export async function setResponsibleVisitor(
  q: Queryable,
  personIds: number[],
  visitorId: number | null,
  now: Date,
) {
  await q.query(
    sql(
      'update persons set visitor_id = $2, updated_at = $3, version = version + 1 where id = any($1::int[])',
    ),
    [personIds, visitorId, now],
  );
}

/** Current backups of a person. */
export async function backupVisitorIds(q: Queryable, personId: number): Promise<number[]> {
  const rows = await q.query<{ visitor_id: number }>(
    sql(
      `select visitor_id from person_assignments where person_id = $1 and kind = 'backup' and to_at is null`,
    ),
    [personId],
  );
  return rows.map((r) => r.visitor_id);
}

export async function endBackup(q: Queryable, personId: number, visitorId: number, now: Date) {
  await q.query(
    sql(`update person_assignments set to_at = $3
      where person_id = $1 and visitor_id = $2 and kind = 'backup' and to_at is null`),
    [personId, visitorId, now],
  );
}

export interface VisitorRow {
  id: number;
  display_name: string;
  username: string;
  visitor_type: string | null;
  organization: string | null;
  phone_enc: Encrypted | null;
  disabled_at: Date | null;
  areas: { id: number; name: string; level: string; town_id: number | null }[];
}

const VISITOR_SELECT = `
  select u.id, u.display_name, u.username, u.visitor_type, u.organization, u.phone_enc, u.disabled_at,
         (select json_agg(json_build_object('id', a.id, 'name', a.name, 'level', a.level,
                                            'town_id', case when a.level = 'village' then a.parent_id else a.id end)
                          order by a.id)
            from user_roles r join areas a on a.id = r.area_id
           where r.user_id = u.id and r.role = 'visitor') as areas
    from users u`;

/** A user holding the visitor role (disabled ones included: callers decide). */
export async function getVisitor(q: Queryable, id: number): Promise<VisitorRow | undefined> {
  return (
    await q.query<VisitorRow>(
      sql(
        `${VISITOR_SELECT} where u.id = $1 and exists (select 1 from user_roles r where r.user_id = u.id and r.role = 'visitor')`,
      ),
      [id],
    )
  )[0];
}

export interface VisitorWorkloadRow extends VisitorRow {
  active_persons: number;
  key_persons: number;
  backup_persons: number;
}

/**
 * Visitors whose visitor role is bound inside the actor's areas (or under `areaId`), with how many
 * active persons each is responsible for. One grouped query.
 */
export async function listVisitorsWithWorkload(
  q: Queryable,
  scope: Scope,
  f: { areaId?: number; q?: string },
): Promise<VisitorWorkloadRow[]> {
  const params: unknown[] = [];
  const where = [`exists (select 1 from user_roles r where r.user_id = u.id and r.role = 'visitor')`];
  if (!scope.all) {
    params.push(scope.areaIds);
    where.push(
      `exists (select 1 from user_roles r where r.user_id = u.id and r.role = 'visitor' and r.area_id = any($${params.length}::int[]))`,
    );
  }
  if (f.areaId) {
    params.push(f.areaId);
    where.push(`exists (select 1 from user_roles r join areas a on a.id = r.area_id
                         where r.user_id = u.id and r.role = 'visitor'
                           and a.path like (select path from areas where id = $${params.length}) || '%')`);
  }
  if (f.q) {
    params.push(`%${f.q.replace(/[%_\\]/g, '\\$&')}%`);
    where.push(`(u.display_name like $${params.length} or u.username like $${params.length})`);
  }
  return q.query<VisitorWorkloadRow>(
    sql(`with load as (
       select visitor_id, count(*)::int as active_persons, count(*) filter (where tier = 'key')::int as key_persons
         from persons where status = 'active' and visitor_id is not null group by visitor_id),
     backups as (
       select visitor_id, count(*)::int as n from person_assignments
        where kind = 'backup' and to_at is null group by visitor_id)
     select v.*, coalesce(l.active_persons, 0) as active_persons, coalesce(l.key_persons, 0) as key_persons,
            coalesce(b.n, 0) as backup_persons
       from (${VISITOR_SELECT} where ${where.join(' and ')}) v
       left join load l on l.visitor_id = v.id
       left join backups b on b.visitor_id = v.id
      order by v.id`),
    params,
  );
}

/** Visitors of an area (the village, or its town) with this display name: import matching. */
export async function findVisitorsByName(q: Queryable, name: string, villageId: number, townId: number) {
  return q.query<{ id: number; phone_hash: string | null }>(
    sql(`select distinct u.id, u.phone_hash from users u join user_roles r on r.user_id = u.id
      where r.role = 'visitor' and r.area_id in ($2, $3) and u.display_name = $1 and u.disabled_at is null
      order by u.id`),
    [name, villageId, townId],
  );
}

/** Active persons of a village (an area cannot be retired while it still has some). */
export async function countActivePersonsInArea(q: Queryable, areaId: number): Promise<number> {
  const [r] = await q.query<{ n: number }>(
    sql(
      `select count(*)::int as n from persons where (village_id = $1 or town_id = $1) and status <> 'ended'`,
    ),
    [areaId],
  );
  return r.n;
}

export interface PersonEventRow {
  id: number;
  person_id: number;
  at: Date;
  kind: string;
  title: string;
  detail: Record<string, unknown>;
  actor_id: number | null;
  actor_name: string | null;
  ref_entity: string | null;
  ref_id: string | null;
}

/** The timeline, newest first, keyset-paged on id. */
export async function listPersonEvents(
  q: Queryable,
  personId: number,
  f: { before?: number; limit: number },
): Promise<PersonEventRow[]> {
  return q.query<PersonEventRow>(
    sql(`select e.id, e.person_id, e.at, e.kind, e.title, e.detail, e.actor_id, u.display_name as actor_name,
            e.ref_entity, e.ref_id
       from person_events e left join users u on u.id = e.actor_id
      where e.person_id = $1 and ($2::bigint is null or e.id < $2)
      order by e.at desc, e.id desc limit $3`),
    [personId, f.before ?? null, f.limit],
  );
}

/** Many timeline events in one statement (imports, seed). */
export async function insertPersonEvents(
  q: Queryable,
  events: {
    personId: number;
    at: Date;
    kind: string;
    title: string;
    detail?: Record<string, unknown>;
    actorId?: number | null;
  }[],
) {
  if (events.length === 0) return;
  await q.query(
    sql(`insert into person_events (person_id, at, kind, title, detail, actor_id)
     select * from unnest($1::int[], $2::timestamptz[], $3::text[], $4::text[], $5::jsonb[], $6::int[])`),
    [
      events.map((e) => e.personId),
      events.map((e) => e.at),
      events.map((e) => e.kind),
      events.map((e) => e.title),
      events.map((e) => JSON.stringify(e.detail ?? {})),
      events.map((e) => e.actorId ?? null),
    ],
  );
}

/** Many persons in one statement; returns their ids in input order. */
export async function insertPersons(
  q: Queryable,
  rows: (NewPersonRow & {
    status?: 'active' | 'paused' | 'ended';
    statusSince?: string;
    pausedUntil?: string | null;
    statusReason?: string | null;
    endReason?: string | null;
    note?: string | null;
    cardCustodianReason?: string | null;
  })[],
): Promise<number[]> {
  if (rows.length === 0) return [];
  const col = <T>(f: (r: (typeof rows)[number]) => T) => rows.map(f);
  const res = await q.query<{ id: number }>(
    sql(`insert into persons (name, id_number_enc, id_number_hash, id_number_masked, birth_date, sex, ethnicity,
        phone_enc, phone_hash, phone_masked, registered_address, current_address, town_id, village_id,
        support_start, status_since, self_care, tier, flags, benefit_card, card_custodian, card_custodian_reason,
        visitor_id, status, paused_until, status_reason, end_reason, note, created_at, updated_at)
     select n, ie, ih, im, bd, sx, et, pe, ph, pm, ra, ca, ti, vi, ss, coalesce(sn, ss), sc, tr,
            coalesce(string_to_array(nullif(fl, ''), ','), '{}'), bc, cc, cr, vs, st, pu, sr, er, nt, $29, $29
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::date[], $6::text[], $7::text[], $8::text[],
                   $9::text[], $10::text[], $11::text[], $12::text[], $13::int[], $14::int[], $15::date[], $16::date[],
                   $17::text[], $18::text[], $19::text[], $20::text[], $21::text[], $22::text[], $23::int[], $24::text[],
                   $25::date[], $26::text[], $27::text[], $28::text[])
         with ordinality as x(n, ie, ih, im, bd, sx, et, pe, ph, pm, ra, ca, ti, vi, ss, sn, sc, tr, fl, bc, cc, cr, vs,
                              st, pu, sr, er, nt, ord)
      order by ord
     returning id`),
    [
      col((r) => r.name),
      col((r) => r.idNumberEnc),
      col((r) => r.idNumberHash),
      col((r) => r.idNumberMasked),
      col((r) => r.birthDate),
      col((r) => r.sex),
      col((r) => r.ethnicity ?? null),
      col((r) => r.phoneEnc ?? null),
      col((r) => r.phoneHash ?? null),
      col((r) => r.phoneMasked ?? null),
      col((r) => r.registeredAddress ?? null),
      col((r) => r.currentAddress ?? null),
      col((r) => r.townId),
      col((r) => r.villageId),
      col((r) => r.supportStart),
      col((r) => r.statusSince ?? null),
      col((r) => r.selfCare),
      col((r) => r.tier),
      col((r) => (r.flags ?? []).join(',')),
      col((r) => r.benefitCard ?? 'self'),
      col((r) => r.cardCustodian ?? null),
      col((r) => r.cardCustodianReason ?? null),
      col((r) => r.visitorId ?? null),
      col((r) => r.status ?? 'active'),
      col((r) => r.pausedUntil ?? null),
      col((r) => r.statusReason ?? null),
      col((r) => r.endReason ?? null),
      col((r) => r.note ?? null),
      rows[0].now,
    ],
  );
  return res.map((r) => r.id);
}

/** Many assessments in one statement. */
export async function insertAssessments(
  q: Queryable,
  rows: {
    personId: number;
    assessedOn: string;
    indicators: Record<string, boolean>;
    level: string;
    assessorName?: string | null;
    assessorId?: number | null;
    note?: string | null;
  }[],
  now: Date,
) {
  if (rows.length === 0) return;
  await q.query(
    sql(`insert into assessments (person_id, assessed_on, indicators, level, assessor_name, assessor_id, note, created_at)
     select p, d, i, l, an, ai, n, $8
       from unnest($1::int[], $2::date[], $3::jsonb[], $4::text[], $5::text[], $6::int[], $7::text[]) as x(p, d, i, l, an, ai, n)`),
    [
      rows.map((r) => r.personId),
      rows.map((r) => r.assessedOn),
      rows.map((r) => JSON.stringify(r.indicators)),
      rows.map((r) => r.level),
      rows.map((r) => r.assessorName ?? null),
      rows.map((r) => r.assessorId ?? null),
      rows.map((r) => r.note ?? null),
      now,
    ],
  );
}

/** Many responsible assignments in one statement (person, visitor pairs). */
export async function insertResponsibleAssignments(
  q: Queryable,
  rows: { personId: number; visitorId: number }[],
  actorId: number | null,
  now: Date,
) {
  if (rows.length === 0) return;
  await q.query(
    sql(`insert into person_assignments (person_id, visitor_id, kind, from_at, actor_id)
     select p, v, 'responsible', $3, $4 from unnest($1::int[], $2::int[]) as x(p, v)`),
    [rows.map((r) => r.personId), rows.map((r) => r.visitorId), now, actorId],
  );
}

/** The fields insertPerson leaves out, set once right after it (no version bump: same transaction). */
export async function setPersonExtras(
  q: Queryable,
  id: number,
  x: {
    latitude: number | null;
    longitude: number | null;
    certificateNo: string | null;
    flagNote: string | null;
    cardCustodianReason: string | null;
    note: string | null;
  },
) {
  await q.query(
    sql(`update persons set latitude = $2, longitude = $3, certificate_no = $4, flag_note = $5,
        card_custodian_reason = $6, note = $7 where id = $1`),
    [id, x.latitude, x.longitude, x.certificateNo, x.flagNote, x.cardCustodianReason, x.note],
  );
}

/** Many status rows in one statement. */
export async function insertStatusChanges(
  q: Queryable,
  rows: { personId: number; status: string; effectiveOn: string; reason: string | null }[],
  actorId: number | null,
  now: Date,
) {
  if (rows.length === 0) return;
  await q.query(
    sql(`insert into person_status_changes (person_id, status, effective_on, reason, actor_id, created_at)
     select p, s, d, r, $5, $6 from unnest($1::int[], $2::text[], $3::date[], $4::text[]) as x(p, s, d, r)`),
    [
      rows.map((r) => r.personId),
      rows.map((r) => r.status),
      rows.map((r) => r.effectiveOn),
      rows.map((r) => r.reason),
      actorId,
      now,
    ],
  );
}

export interface ExportRow {
  id: number;
  name: string;
  id_number_enc: Encrypted;
  id_number_masked: string;
  ethnicity: string | null;
  phone_enc: Encrypted | null;
  phone_masked: string | null;
  town_name: string;
  village_name: string;
  registered_address: string | null;
  current_address: string | null;
  self_care: 'capable' | 'partial' | 'none';
  tier: 'general' | 'key';
  support_start: string;
  visitor_name: string | null;
  visitor_phone_enc: Encrypted | null;
  benefit_card: 'self' | 'custodian' | 'lost' | 'none';
  card_custodian: string | null;
  card_custodian_reason: string | null;
  note: string | null;
  status: 'active' | 'paused' | 'ended';
  flags: string[];
  birth_date: string;
}

/** One page of the roster export (keyset on id), in scope, under an area. */
export async function listForExport(
  q: Queryable,
  scope: Scope,
  f: { areaId?: number; includeEnded: boolean; after: number; limit: number },
): Promise<ExportRow[]> {
  const params: unknown[] = [f.after, f.limit];
  const where = [personCondition(scope, 'p', params), 'p.id > $1'];
  if (f.areaId) {
    params.push(f.areaId);
    const n = `$${params.length}`;
    where.push(personInArea('p', n));
  }
  if (!f.includeEnded) where.push(`p.status <> 'ended'`);
  return q.query<ExportRow>(
    sql(`select p.id, p.name, p.id_number_enc, p.id_number_masked, p.ethnicity, p.phone_enc, p.phone_masked,
            t.name as town_name, v.name as village_name, p.registered_address, p.current_address, p.self_care,
            p.tier, p.support_start, u.display_name as visitor_name, u.phone_enc as visitor_phone_enc,
            p.benefit_card, p.card_custodian, p.card_custodian_reason, p.note, p.status, p.flags, p.birth_date
       from persons p join areas t on t.id = p.town_id join areas v on v.id = p.village_id
       left join users u on u.id = p.visitor_id
      where ${where.join(' and ')} order by p.id limit $2`),
    params,
  );
}

// ---------------------------------------------------------------------------------------------
// A person as the case modules (incidents, concerns, referrals, money) need them.

export interface CasePerson {
  id: number;
  name: string;
  town_id: number;
  village_id: number;
  status: 'active' | 'paused' | 'ended';
  version: number;
}

/** A person the scope can see (for opening an incident, concern or referral by hand). */
export async function getPersonInScope(
  q: Queryable,
  scope: Scope,
  id: number,
): Promise<CasePerson | undefined> {
  const params: unknown[] = [id];
  const cond = personCondition(scope, 'p', params);
  const [row] = await q.query<CasePerson>(
    sql(
      `select p.id, p.name, p.town_id, p.village_id, p.status, p.version from persons p where p.id = $1 and ${cond}`,
    ),
    params,
  );
  return row;
}

/** A person by id, whatever the scope (a visit handler acts for a visit already checked). */
export async function getPersonById(q: Queryable, id: number): Promise<CasePerson | undefined> {
  const [row] = await q.query<CasePerson>(
    sql('select p.id, p.name, p.town_id, p.village_id, p.status, p.version from persons p where p.id = $1'),
    [id],
  );
  return row;
}

/** The blind index of a person's ID number. */
export async function idNumberHashOf(q: Queryable, personId: number): Promise<string> {
  const [r] = await q.query<{ h: string }>(sql('select id_number_hash as h from persons where id = $1'), [
    personId,
  ]);
  return r.h;
}

/** Ends the backup assignments these persons have with a visitor (who becomes responsible for them). */
export async function closeBackupAssignments(
  q: Queryable,
  personIds: number[],
  visitorId: number,
  now: Date,
) {
  await q.query(
    sql(`update person_assignments set to_at = $3
      where person_id = any($1::int[]) and visitor_id = $2 and kind = 'backup' and to_at is null`),
    [personIds, visitorId, now],
  );
}
