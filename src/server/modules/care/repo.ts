import type { SelfCare } from '../../../shared/person.js';
import type { Encrypted } from '../../crypto/field-cipher.js';
import type { Queryable } from '../../db/db.js';
import { sql } from '../../db/sql.js';
import { areaCondition, personCondition, personInArea, type Scope } from '../../http/scope.js';
import type { KeptFile } from '../files/index.js';

// ---------------------------------------------------------------------------------------------
// Persons, as this module needs them.

export interface CarePersonRow {
  id: number;
  name: string;
  status: 'active' | 'paused' | 'ended';
  self_care: SelfCare;
  town_id: number;
  town_name: string;
  village_id: number;
  village_name: string;
  id_number_masked: string;
  current_address: string | null;
}

const PERSON_COLS = `p.id, p.name, p.status, p.self_care, p.town_id, t.name as town_name, p.village_id,
  v.name as village_name, p.id_number_masked, p.current_address`;

export async function getCarePerson(q: Queryable, scope: Scope, id: number, forUpdate = false) {
  const params: unknown[] = [id];
  const cond = personCondition(scope, 'p', params);
  return (
    await q.query<CarePersonRow>(
      sql(`select ${PERSON_COLS} from persons p join areas t on t.id = p.town_id join areas v on v.id = p.village_id
        where p.id = $1 and ${cond}${forUpdate ? ' for update of p' : ''}`),
      params,
    )
  )[0];
}

/** Active persons in scope (optionally under an area) whose level needs an agreement and who have none active. */
export async function personsNeedingAgreement(
  q: Queryable,
  scope: Scope,
  f: { levels: SelfCare[]; areaId?: number; limit: number },
) {
  const params: unknown[] = [f.levels];
  const where = [`p.status = 'active'`, 'p.self_care = any($1::text[])', personCondition(scope, 'p', params)];
  if (f.areaId) {
    params.push(f.areaId);
    where.push(personInArea('p', `$${params.length}`));
  }
  where.push(
    `not exists (select 1 from care_agreements ca where ca.person_id = p.id and ca.status = 'active')`,
  );
  params.push(f.limit);
  return q.query<CarePersonRow & { last_end: string | null }>(
    sql(`select ${PERSON_COLS},
            (select max(coalesce(ca.terminated_on, ca.end_date)) from care_agreements ca where ca.person_id = p.id) as last_end
       from persons p join areas t on t.id = p.town_id join areas v on v.id = p.village_id
      where ${where.join(' and ')} order by p.town_id, p.village_id, p.id limit $${params.length}`),
    params,
  );
}

// ---------------------------------------------------------------------------------------------
// Caregivers and who they cared for.

export interface CaregiverRow {
  id: number;
  name: string;
  id_number_enc: Encrypted;
  id_number_masked: string;
  phone_enc: Encrypted | null;
  phone_masked: string | null;
  address: string | null;
  area_id: number;
  area_name: string;
  note: string | null;
  version: number;
  created_at: Date;
  current: { person_id: number; person_name: string; relation: string; from_date: string }[];
}

/** Caregivers visible to the scope: registered in its areas, or caring (now or before) for a person in it. */
function caregiverScope(scope: Scope, params: unknown[]): string {
  if (scope.all) return 'true';
  const area = areaCondition(scope, 'c.area_id', params);
  const person = personCondition(scope, 'p', params);
  return `(${area} or exists (select 1 from caregiver_assignments x join persons p on p.id = x.person_id
                              where x.caregiver_id = c.id and ${person}))`;
}

const CAREGIVER_SELECT = `
  select c.id, c.name, c.id_number_enc, c.id_number_masked, c.phone_enc, c.phone_masked, c.address, c.area_id,
         a.name as area_name, c.note, c.version, c.created_at,
         coalesce((select json_agg(json_build_object('person_id', x.person_id, 'person_name', p.name,
                                   'relation', x.relation, 'from_date', x.from_date) order by x.from_date)
                     from caregiver_assignments x join persons p on p.id = x.person_id
                    where x.caregiver_id = c.id and x.to_date is null), '[]') as current
    from caregivers c join areas a on a.id = c.area_id`;

export async function listCaregivers(
  q: Queryable,
  scope: Scope,
  f: { areaId?: number; q?: string; idNumberHash?: string; cursor?: number; limit: number },
): Promise<CaregiverRow[]> {
  const params: unknown[] = [];
  const where = [caregiverScope(scope, params)];
  if (f.areaId) {
    params.push(f.areaId);
    where.push(`a.path like (select path from areas where id = $${params.length}) || '%'`);
  }
  if (f.q) {
    params.push(`%${f.q.replace(/[%_\\]/g, '\\$&')}%`);
    where.push(`c.name like $${params.length}`);
  }
  if (f.idNumberHash) {
    params.push(f.idNumberHash);
    where.push(`c.id_number_hash = $${params.length}`);
  }
  if (f.cursor) {
    params.push(f.cursor);
    where.push(`c.id > $${params.length}`);
  }
  params.push(f.limit);
  return q.query<CaregiverRow>(
    sql(`${CAREGIVER_SELECT} where ${where.join(' and ')} order by c.id limit $${params.length}`),
    params,
  );
}

export async function getCaregiver(
  q: Queryable,
  scope: Scope,
  id: number,
): Promise<CaregiverRow | undefined> {
  const params: unknown[] = [id];
  const cond = caregiverScope(scope, params);
  return (await q.query<CaregiverRow>(sql(`${CAREGIVER_SELECT} where c.id = $1 and ${cond}`), params))[0];
}

export async function caregiverIdByHash(q: Queryable, hash: string): Promise<number | undefined> {
  return (
    await q.query<{ id: number }>(sql('select id from caregivers where id_number_hash = $1'), [hash])
  )[0]?.id;
}

export async function insertCaregiver(
  q: Queryable,
  c: {
    name: string;
    idNumberEnc: Encrypted;
    idNumberHash: string;
    idNumberMasked: string;
    phoneEnc: Encrypted | null;
    phoneHash: string | null;
    phoneMasked: string | null;
    address: string | null;
    areaId: number;
    note: string | null;
    by: number | null;
    now: Date;
  },
): Promise<number> {
  const [row] = await q.query<{ id: number }>(
    sql(`insert into caregivers (name, id_number_enc, id_number_hash, id_number_masked, phone_enc, phone_hash, phone_masked,
        address, area_id, note, created_by, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) returning id`),
    [
      c.name,
      c.idNumberEnc,
      c.idNumberHash,
      c.idNumberMasked,
      c.phoneEnc,
      c.phoneHash,
      c.phoneMasked,
      c.address,
      c.areaId,
      c.note,
      c.by,
      c.now,
    ],
  );
  return row.id;
}

export interface AssignmentRow {
  id: number;
  caregiver_id: number;
  caregiver_name: string;
  person_id: number;
  person_name: string;
  relation: string;
  from_date: string;
  to_date: string | null;
  end_reason: string | null;
}

/** Care spells, newest first, of a caregiver or of a person, limited to persons in scope. */
export async function listAssignments(
  q: Queryable,
  scope: Scope,
  f: { caregiverId?: number; personId?: number },
): Promise<AssignmentRow[]> {
  const params: unknown[] = [];
  const where = [personCondition(scope, 'p', params)];
  if (f.caregiverId) {
    params.push(f.caregiverId);
    where.push(`x.caregiver_id = $${params.length}`);
  }
  if (f.personId) {
    params.push(f.personId);
    where.push(`x.person_id = $${params.length}`);
  }
  return q.query<AssignmentRow>(
    sql(`select x.id, x.caregiver_id, c.name as caregiver_name, x.person_id, p.name as person_name, x.relation,
            x.from_date, x.to_date, x.end_reason
       from caregiver_assignments x join persons p on p.id = x.person_id join caregivers c on c.id = x.caregiver_id
      where ${where.join(' and ')} order by x.from_date desc, x.id desc`),
    params,
  );
}

/** Closes the person's open spells (all, or all but one caregiver's) on a date. */
export async function closeAssignments(
  q: Queryable,
  f: { personId: number; caregiverId?: number; exceptCaregiverId?: number; toDate: string; reason: string },
) {
  await q.query(
    sql(`update caregiver_assignments set to_date = greatest(from_date, $2::date), end_reason = $3
      where person_id = $1 and to_date is null
        and ($4::int is null or caregiver_id = $4) and ($5::int is null or caregiver_id <> $5)`),
    [f.personId, f.toDate, f.reason, f.caregiverId ?? null, f.exceptCaregiverId ?? null],
  );
}

/** Opens a care spell unless one is already open for the same pair. */
export async function openAssignment(
  q: Queryable,
  a: { caregiverId: number; personId: number; relation: string; fromDate: string; now: Date },
) {
  await q.query(
    sql(`insert into caregiver_assignments (caregiver_id, person_id, relation, from_date, created_at)
     select $1, $2, $3, $4, $5
      where not exists (select 1 from caregiver_assignments where caregiver_id = $1 and person_id = $2 and to_date is null)`),
    [a.caregiverId, a.personId, a.relation, a.fromDate, a.now],
  );
}

// ---------------------------------------------------------------------------------------------
// Care agreements.

export interface AgreementRow {
  id: number;
  person_id: number;
  person_name: string;
  person_status: string;
  person_id_masked: string;
  person_address: string | null;
  caregiver_id: number;
  caregiver_name: string;
  caregiver_id_masked: string;
  caregiver_phone_masked: string | null;
  caregiver_address: string | null;
  relation: string;
  party_area_id: number;
  party_name: string;
  party_level: 'town' | 'village';
  town_id: number;
  town_name: string;
  village_id: number;
  village_name: string;
  content: string;
  frequency: string;
  self_care: SelfCare;
  monthly_fee: number;
  start_date: string;
  end_date: string;
  signed_on: string;
  status: 'active' | 'expired' | 'terminated';
  terminated_on: string | null;
  termination_reason: string | null;
  pledge_signed_on: string | null;
  pledge_notice_from: string | null;
  pledge_notice_to: string | null;
  replacement_id: number | null;
  expiry_notified_at: Date | null;
  version: number;
  created_at: Date;
  scans: { id: number; kind: 'agreement' | 'pledge'; filename: string; size: number; uploaded_at: string }[];
}

const AGREEMENT_SELECT = `
  select ca.id, ca.person_id, p.name as person_name, p.status as person_status, p.id_number_masked as person_id_masked,
         p.current_address as person_address, ca.caregiver_id, c.name as caregiver_name,
         c.id_number_masked as caregiver_id_masked, c.phone_masked as caregiver_phone_masked, c.address as caregiver_address,
         ca.relation, ca.party_area_id, pa.name as party_name, pa.level as party_level, ca.town_id, t.name as town_name,
         p.village_id, v.name as village_name, ca.content, ca.frequency, ca.self_care, ca.monthly_fee, ca.start_date,
         ca.end_date, ca.signed_on, ca.status, ca.terminated_on, ca.termination_reason, ca.pledge_signed_on,
         ca.pledge_notice_from, ca.pledge_notice_to, ca.replacement_id, ca.expiry_notified_at, ca.version, ca.created_at,
         coalesce((select json_agg(json_build_object('id', f.id, 'kind', f.kind, 'filename', f.filename, 'size', f.size,
                                                     'uploaded_at', f.uploaded_at) order by f.id)
                     from care_files f where f.agreement_id = ca.id), '[]') as scans
    from care_agreements ca
    join persons p on p.id = ca.person_id
    join caregivers c on c.id = ca.caregiver_id
    join areas pa on pa.id = ca.party_area_id
    join areas t on t.id = ca.town_id
    join areas v on v.id = p.village_id`;

export interface AgreementFilter {
  areaId?: number;
  status?: 'active' | 'expired' | 'terminated';
  /** Active agreements ending on or before this date. */
  endingBy?: string;
  personId?: number;
  caregiverId?: number;
  q?: string;
  cursor?: number;
  limit: number;
}

export async function listAgreements(
  q: Queryable,
  scope: Scope,
  f: AgreementFilter,
): Promise<AgreementRow[]> {
  const params: unknown[] = [];
  const where = [personCondition(scope, 'p', params)];
  const add = (sql: (n: string) => string, v: unknown) => {
    params.push(v);
    where.push(sql(`$${params.length}`));
  };
  if (f.areaId) add((n) => personInArea('p', n), f.areaId);
  if (f.status) add((n) => `ca.status = ${n}`, f.status);
  if (f.endingBy) add((n) => `ca.status = 'active' and ca.end_date <= ${n}::date`, f.endingBy);
  if (f.personId) add((n) => `ca.person_id = ${n}`, f.personId);
  if (f.caregiverId) add((n) => `ca.caregiver_id = ${n}`, f.caregiverId);
  if (f.q) add((n) => `(p.name like ${n} or c.name like ${n})`, `%${f.q.replace(/[%_\\]/g, '\\$&')}%`);
  if (f.cursor) add((n) => `ca.id < ${n}`, f.cursor);
  params.push(f.limit);
  return q.query<AgreementRow>(
    sql(`${AGREEMENT_SELECT} where ${where.join(' and ')} order by ca.id desc limit $${params.length}`),
    params,
  );
}

export async function getAgreement(
  q: Queryable,
  scope: Scope,
  id: number,
): Promise<AgreementRow | undefined> {
  const params: unknown[] = [id];
  const cond = personCondition(scope, 'p', params);
  return (await q.query<AgreementRow>(sql(`${AGREEMENT_SELECT} where ca.id = $1 and ${cond}`), params))[0];
}

/** Every agreement of a person with the last day it covers (a terminated one stops the day before termination). */
export async function personAgreementTerms(q: Queryable, personId: number) {
  return q.query<{ id: number; status: string; start_date: string; last_day: string; caregiver_id: number }>(
    sql(`select id, status, start_date, caregiver_id,
            case when status = 'terminated' then (terminated_on - 1) else end_date end::text as last_day
       from care_agreements where person_id = $1 order by start_date`),
    [personId],
  );
}

export async function insertAgreement(
  q: Queryable,
  a: {
    personId: number;
    caregiverId: number;
    relation: string;
    partyAreaId: number;
    townId: number;
    content: string;
    frequency: string;
    selfCare: SelfCare;
    monthlyFee: number;
    startDate: string;
    endDate: string;
    signedOn: string;
    status: 'active' | 'expired';
    pledgeSignedOn: string | null;
    pledgeNoticeFrom: string | null;
    pledgeNoticeTo: string | null;
    replacementId: number | null;
    by: number | null;
    now: Date;
  },
): Promise<number> {
  const [row] = await q.query<{ id: number }>(
    sql(`insert into care_agreements (person_id, caregiver_id, relation, party_area_id, town_id, content, frequency, self_care,
        monthly_fee, start_date, end_date, signed_on, status, pledge_signed_on, pledge_notice_from, pledge_notice_to,
        replacement_id, created_by, created_at, updated_at)
     values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$19) returning id`),
    [
      a.personId,
      a.caregiverId,
      a.relation,
      a.partyAreaId,
      a.townId,
      a.content,
      a.frequency,
      a.selfCare,
      a.monthlyFee,
      a.startDate,
      a.endDate,
      a.signedOn,
      a.status,
      a.pledgeSignedOn,
      a.pledgeNoticeFrom,
      a.pledgeNoticeTo,
      a.replacementId,
      a.by,
      a.now,
    ],
  );
  return row.id;
}

export async function terminateAgreement(
  q: Queryable,
  id: number,
  version: number,
  on: string,
  reason: string,
  now: Date,
): Promise<boolean> {
  const rows = await q.query(
    sql(`update care_agreements set status = 'terminated', terminated_on = $3, termination_reason = $4, updated_at = $5,
        version = version + 1
      where id = $1 and version = $2 and status = 'active' returning id`),
    [id, version, on, reason, now],
  );
  return rows.length === 1;
}

export async function setPledge(
  q: Queryable,
  id: number,
  version: number,
  p: { signedOn: string; noticeFrom: string; noticeTo: string; now: Date },
): Promise<boolean> {
  const rows = await q.query(
    sql(`update care_agreements set pledge_signed_on = $3, pledge_notice_from = $4, pledge_notice_to = $5, updated_at = $6,
        version = version + 1
      where id = $1 and version = $2 returning id`),
    [id, version, p.signedOn, p.noticeFrom, p.noticeTo, p.now],
  );
  return rows.length === 1;
}

/** Marks active agreements whose term ended before `today` as expired; returns them. */
export async function expireEnded(q: Queryable, today: string, now: Date) {
  return q.query<{ id: number; person_id: number; caregiver_id: number; end_date: string }>(
    sql(`update care_agreements set status = 'expired', updated_at = $2, version = version + 1
      where status = 'active' and end_date < $1::date returning id, person_id, caregiver_id, end_date::text`),
    [today, now],
  );
}

/** Active agreements ending by `until` whose expiry was not announced yet. */
export async function expiryCandidates(q: Queryable, until: string) {
  return q.query<{
    id: number;
    person_id: number;
    person_name: string;
    caregiver_name: string;
    end_date: string;
    village_id: number;
  }>(
    sql(`select ca.id, ca.person_id, p.name as person_name, c.name as caregiver_name, ca.end_date::text, p.village_id
       from care_agreements ca join persons p on p.id = ca.person_id join caregivers c on c.id = ca.caregiver_id
      where ca.status = 'active' and ca.expiry_notified_at is null and ca.end_date <= $1::date
      order by ca.id`),
    [until],
  );
}

/** Marks the expiry as announced; false when someone else already did (the notice goes out once). */
export async function claimExpiryNotice(q: Queryable, id: number, now: Date): Promise<boolean> {
  const rows = await q.query(
    sql(
      'update care_agreements set expiry_notified_at = $2 where id = $1 and expiry_notified_at is null returning id',
    ),
    [id, now],
  );
  return rows.length === 1;
}

/** Pledges in their public notice period today: no ids, no numbers, no addresses leave this query. */
export async function pledgesInNotice(q: Queryable, today: string) {
  return q.query<{
    caregiver_name: string;
    person_name: string;
    town_name: string;
    pledge_signed_on: string;
    pledge_notice_from: string;
    pledge_notice_to: string;
  }>(
    sql(`select c.name as caregiver_name, p.name as person_name, t.name as town_name, ca.pledge_signed_on,
            ca.pledge_notice_from, ca.pledge_notice_to
       from care_agreements ca join caregivers c on c.id = ca.caregiver_id join persons p on p.id = ca.person_id
       join areas t on t.id = ca.town_id
      where ca.status <> 'terminated' and ca.pledge_notice_from <= $1::date and ca.pledge_notice_to >= $1::date
      order by t.code, ca.pledge_notice_from, ca.id limit 500`),
    [today],
  );
}

export async function insertFile(
  q: Queryable,
  f: {
    agreementId: number;
    kind: 'agreement' | 'pledge';
    filename: string;
    mime: string;
    file: KeptFile;
    by: number;
    now: Date;
  },
): Promise<number> {
  const [row] = await q.query<{ id: number }>(
    sql(`insert into care_files (agreement_id, kind, filename, mime, size, sha256, content, stored, uploaded_by, uploaded_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id`),
    [
      f.agreementId,
      f.kind,
      f.filename,
      f.mime,
      f.file.size,
      f.file.sha256,
      f.file.content,
      f.file.stored,
      f.by,
      f.now,
    ],
  );
  return row.id;
}

export async function getFile(q: Queryable, agreementId: number, fileId: number) {
  return (
    await q.query<{
      id: number;
      kind: string;
      filename: string;
      mime: string;
      content: Buffer | Uint8Array | null;
      sha256: string;
      stored: boolean;
    }>(
      sql(
        'select id, kind, filename, mime, content, sha256, stored from care_files where agreement_id = $1 and id = $2',
      ),
      [agreementId, fileId],
    )
  )[0];
}

// ---------------------------------------------------------------------------------------------
// Reviews.

export interface ReviewRow {
  id: number;
  agreement_id: number;
  person_id: number;
  person_name: string;
  caregiver_id: number;
  caregiver_name: string;
  town_name: string;
  period_from: string;
  period_to: string;
  satisfaction: number;
  neighbour_evaluations: { name: string; score: number; comment?: string | null }[];
  visit_observations: {
    visits: number;
    duty: { yes: number; partly: number; no: number };
    seriousInfringements: number;
  };
  satisfaction_score: number;
  neighbour_score: number | null;
  visit_score: number | null;
  score: number;
  passed: boolean;
  rule: unknown;
  note: string | null;
  reviewer_name: string | null;
  created_at: Date;
  replacement_id: number | null;
}

const REVIEW_SELECT = `
  select r.id, r.agreement_id, r.person_id, p.name as person_name, r.caregiver_id, c.name as caregiver_name,
         t.name as town_name, r.period_from, r.period_to, r.satisfaction, r.neighbour_evaluations, r.visit_observations,
         r.satisfaction_score, r.neighbour_score, r.visit_score, r.score, r.passed, r.rule, r.note,
         u.display_name as reviewer_name, r.created_at,
         (select min(x.id) from care_replacements x where x.review_id = r.id) as replacement_id
    from caregiver_reviews r
    join persons p on p.id = r.person_id
    join caregivers c on c.id = r.caregiver_id
    join areas t on t.id = p.town_id
    left join users u on u.id = r.reviewer_id`;

export async function listReviews(
  q: Queryable,
  scope: Scope,
  f: {
    areaId?: number;
    personId?: number;
    caregiverId?: number;
    passed?: boolean;
    cursor?: number;
    limit: number;
  },
): Promise<ReviewRow[]> {
  const params: unknown[] = [];
  const where = [personCondition(scope, 'p', params)];
  const add = (sql: (n: string) => string, v: unknown) => {
    params.push(v);
    where.push(sql(`$${params.length}`));
  };
  if (f.areaId) add((n) => personInArea('p', n), f.areaId);
  if (f.personId) add((n) => `r.person_id = ${n}`, f.personId);
  if (f.caregiverId) add((n) => `r.caregiver_id = ${n}`, f.caregiverId);
  if (f.passed !== undefined) add((n) => `r.passed = ${n}`, f.passed);
  if (f.cursor) add((n) => `r.id < ${n}`, f.cursor);
  params.push(f.limit);
  return q.query<ReviewRow>(
    sql(`${REVIEW_SELECT} where ${where.join(' and ')} order by r.id desc limit $${params.length}`),
    params,
  );
}

export async function getReview(q: Queryable, scope: Scope, id: number): Promise<ReviewRow | undefined> {
  const params: unknown[] = [id];
  const cond = personCondition(scope, 'p', params);
  return (await q.query<ReviewRow>(sql(`${REVIEW_SELECT} where r.id = $1 and ${cond}`), params))[0];
}

export async function insertReview(
  q: Queryable,
  r: {
    agreementId: number;
    personId: number;
    caregiverId: number;
    periodFrom: string;
    periodTo: string;
    satisfaction: number;
    neighbours: unknown[];
    observations: unknown;
    satisfactionScore: number;
    neighbourScore: number | null;
    visitScore: number | null;
    score: number;
    passed: boolean;
    rule: unknown;
    note: string | null;
    by: number | null;
    now: Date;
  },
): Promise<number> {
  const [row] = await q.query<{ id: number }>(
    sql(`insert into caregiver_reviews (agreement_id, person_id, caregiver_id, period_from, period_to, satisfaction,
        neighbour_evaluations, visit_observations, satisfaction_score, neighbour_score, visit_score, score, passed, rule,
        note, reviewer_id, created_at)
     values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17) returning id`),
    [
      r.agreementId,
      r.personId,
      r.caregiverId,
      r.periodFrom,
      r.periodTo,
      r.satisfaction,
      JSON.stringify(r.neighbours),
      JSON.stringify(r.observations),
      r.satisfactionScore,
      r.neighbourScore,
      r.visitScore,
      r.score,
      r.passed,
      JSON.stringify(r.rule),
      r.note,
      r.by,
      r.now,
    ],
  );
  return row.id;
}

export async function reviewExists(
  q: Queryable,
  agreementId: number,
  from: string,
  to: string,
): Promise<boolean> {
  return (
    (
      await q.query(
        sql(
          'select 1 from caregiver_reviews where agreement_id = $1 and period_from = $2 and period_to = $3',
        ),
        [agreementId, from, to],
      )
    ).length > 0
  );
}

// ---------------------------------------------------------------------------------------------
// Replacement cases.

export interface ReplacementRow {
  id: number;
  person_id: number;
  person_name: string;
  town_id: number;
  town_name: string;
  old_agreement_id: number | null;
  old_agreement_status: string | null;
  old_caregiver_id: number | null;
  old_caregiver_name: string | null;
  cause: 'review_failed' | 'serious_infringement' | 'manual';
  review_id: number | null;
  visit_ref: string | null;
  detail: string | null;
  status: 'open' | 'done' | 'cancelled';
  new_caregiver_id: number | null;
  new_caregiver_name: string | null;
  new_agreement_id: number | null;
  legal_referral: boolean;
  legal_note: string | null;
  opened_at: Date;
  closed_at: Date | null;
  version: number;
}

const REPLACEMENT_SELECT = `
  select x.id, x.person_id, p.name as person_name, x.town_id, t.name as town_name, x.old_agreement_id,
         oa.status as old_agreement_status, x.old_caregiver_id, oc.name as old_caregiver_name, x.cause, x.review_id,
         x.visit_ref, x.detail, x.status, x.new_caregiver_id, nc.name as new_caregiver_name, x.new_agreement_id,
         x.legal_referral, x.legal_note, x.opened_at, x.closed_at, x.version
    from care_replacements x
    join persons p on p.id = x.person_id
    join areas t on t.id = x.town_id
    left join care_agreements oa on oa.id = x.old_agreement_id
    left join caregivers oc on oc.id = x.old_caregiver_id
    left join caregivers nc on nc.id = x.new_caregiver_id`;

export async function listReplacements(
  q: Queryable,
  scope: Scope,
  f: { areaId?: number; status?: string; personId?: number; limit: number },
): Promise<ReplacementRow[]> {
  const params: unknown[] = [];
  const where = [personCondition(scope, 'p', params)];
  const add = (sql: (n: string) => string, v: unknown) => {
    params.push(v);
    where.push(sql(`$${params.length}`));
  };
  if (f.areaId) add((n) => personInArea('p', n), f.areaId);
  if (f.status) add((n) => `x.status = ${n}`, f.status);
  if (f.personId) add((n) => `x.person_id = ${n}`, f.personId);
  params.push(f.limit);
  return q.query<ReplacementRow>(
    sql(
      `${REPLACEMENT_SELECT} where ${where.join(' and ')} order by (x.status = 'open') desc, x.id desc limit $${params.length}`,
    ),
    params,
  );
}

export async function getReplacement(
  q: Queryable,
  scope: Scope,
  id: number,
): Promise<ReplacementRow | undefined> {
  const params: unknown[] = [id];
  const cond = personCondition(scope, 'p', params);
  return (await q.query<ReplacementRow>(sql(`${REPLACEMENT_SELECT} where x.id = $1 and ${cond}`), params))[0];
}

export async function openReplacementOf(q: Queryable, personId: number) {
  return (
    await q.query<{
      id: number;
      old_caregiver_id: number | null;
      old_agreement_id: number | null;
      new_caregiver_id: number | null;
    }>(
      sql(`select id, old_caregiver_id, old_agreement_id, new_caregiver_id from care_replacements
        where person_id = $1 and status = 'open' for update`),
      [personId],
    )
  )[0];
}

/** Opens a case unless the person already has an open one; returns the new id or null. */
export async function insertReplacement(
  q: Queryable,
  r: {
    personId: number;
    townId: number;
    oldAgreementId: number | null;
    oldCaregiverId: number | null;
    cause: 'review_failed' | 'serious_infringement' | 'manual';
    reviewId?: number | null;
    visitRef?: string | null;
    detail?: string | null;
    legalReferral?: boolean;
    now: Date;
  },
): Promise<number | null> {
  const rows = await q.query<{ id: number }>(
    sql(`insert into care_replacements (person_id, town_id, old_agreement_id, old_caregiver_id, cause, review_id, visit_ref,
        detail, legal_referral, opened_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     on conflict (person_id) where status = 'open' do nothing returning id`),
    [
      r.personId,
      r.townId,
      r.oldAgreementId,
      r.oldCaregiverId,
      r.cause,
      r.reviewId ?? null,
      r.visitRef ?? null,
      r.detail ?? null,
      r.legalReferral ?? false,
      r.now,
    ],
  );
  return rows[0]?.id ?? null;
}

export async function updateReplacement(
  q: Queryable,
  id: number,
  version: number,
  p: {
    newCaregiverId?: number | null;
    legalReferral?: boolean;
    legalNote?: string | null;
    status?: 'cancelled' | 'done';
    newAgreementId?: number;
    now: Date;
  },
): Promise<boolean> {
  const rows = await q.query(
    sql(`update care_replacements set
        new_caregiver_id = case when $3::boolean then $4 else new_caregiver_id end,
        legal_referral = coalesce($5, legal_referral),
        legal_note = case when $6::boolean then $7 else legal_note end,
        status = coalesce($8, status),
        new_agreement_id = coalesce($9, new_agreement_id),
        closed_at = case when $8::text is not null then $10 else closed_at end,
        version = version + 1
      where id = $1 and version = $2 and status = 'open' returning id`),
    [
      id,
      version,
      p.newCaregiverId !== undefined,
      p.newCaregiverId ?? null,
      p.legalReferral ?? null,
      p.legalNote !== undefined,
      p.legalNote ?? null,
      p.status ?? null,
      p.newAgreementId ?? null,
      p.now,
    ],
  );
  return rows.length === 1;
}

/** The open case, the agreement in force, for a person (visit handlers use these). */
export async function activeAgreementOf(q: Queryable, personId: number) {
  return (
    await q.query<{ id: number; caregiver_id: number; town_id: number }>(
      sql(`select id, caregiver_id, town_id from care_agreements where person_id = $1 and status = 'active'`),
      [personId],
    )
  )[0];
}

/** A replacement case done: the new caregiver and agreement recorded, closed. */
export async function completeReplacement(
  q: Queryable,
  r: { id: number; caregiverId: number; agreementId: number; now: Date },
) {
  await q.query(
    sql(`update care_replacements set status = 'done', new_caregiver_id = $2, new_agreement_id = $3, closed_at = $4,
        version = version + 1 where id = $1`),
    [r.id, r.caregiverId, r.agreementId, r.now],
  );
}

export async function flagLegalReferral(q: Queryable, replacementId: number) {
  await q.query(sql('update care_replacements set legal_referral = true where id = $1'), [replacementId]);
}

/** The encrypted ID numbers and phone of an agreement's parties, for a print with full numbers. */
export async function agreementNumbers(q: Queryable, id: number) {
  const rows = await q.query<{
    person_id_enc: Encrypted;
    caregiver_id_enc: Encrypted;
    caregiver_phone_enc: Encrypted | null;
  }>(
    sql(`select p.id_number_enc as person_id_enc, c.id_number_enc as caregiver_id_enc, c.phone_enc as caregiver_phone_enc
           from care_agreements ca join persons p on p.id = ca.person_id join caregivers c on c.id = ca.caregiver_id
          where ca.id = $1`),
    [id],
  );
  return rows[0];
}
