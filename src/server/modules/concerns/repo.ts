import type { ConcernStatus } from '../../../shared/incidents.js';
import type { Queryable } from '../../db/db.js';
import { sql } from '../../db/sql.js';
import { personCondition, type Scope } from '../../http/scope.js';
import type { KeptFile } from '../files/index.js';
import { type StoredAnswers, withAnswers } from '../visits/index.js';

export interface ConcernRow {
  id: number;
  person_id: number;
  person_name: string;
  town_id: number;
  town_name: string;
  village_id: number;
  village_name: string;
  category: string;
  description: string;
  source: 'visit' | 'checklist' | 'manual';
  visit_id: number | null;
  source_item: string | null;
  owner: 'town' | 'village';
  handling: 'immediate' | 'time_limited';
  deadline: string | null;
  status: ConcernStatus;
  resolution: string | null;
  resolved_at: Date | null;
  verified_at: Date | null;
  escalated_at: Date | null;
  reopened_count: number;
  created_at: Date;
  created_by_name: string | null;
  version: number;
}

const SELECT = `
  select c.id, c.person_id, p.name as person_name, c.town_id, t.name as town_name, c.village_id,
         v.name as village_name, c.category, c.description, c.source, c.visit_id, c.source_item, c.owner,
         c.handling, c.deadline, c.status, c.resolution, c.resolved_at, c.verified_at, c.escalated_at,
         c.reopened_count, c.created_at, cu.display_name as created_by_name, c.version
    from concerns c
    join persons p on p.id = c.person_id
    join areas t on t.id = c.town_id
    join areas v on v.id = c.village_id
    left join users cu on cu.id = c.created_by`;

export async function getConcern(q: Queryable, scope: Scope, id: number, forUpdate = false) {
  const params: unknown[] = [id];
  const cond = personCondition(scope, 'p', params);
  if (forUpdate) await q.query(sql('select id from concerns where id = $1 for update'), [id]);
  const [row] = await q.query<ConcernRow>(sql(`${SELECT} where c.id = $1 and ${cond}`), params);
  return row;
}

export interface ConcernFilter {
  status?: ConcernStatus;
  overdue?: boolean;
  escalated?: boolean;
  townId?: number;
  villageId?: number;
  personId?: number;
  category?: string;
  source?: string;
  today: string;
  limit: number;
  offset: number;
}

/** Overdue first, then by deadline, then newest. */
export async function listConcerns(q: Queryable, scope: Scope, f: ConcernFilter) {
  const params: unknown[] = [];
  const where = [personCondition(scope, 'p', params)];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replaceAll('?', `$${params.length}`));
  };
  if (f.status) add('c.status = ?', f.status);
  if (f.townId) add('c.town_id = ?', f.townId);
  if (f.villageId) add('c.village_id = ?', f.villageId);
  if (f.personId) add('c.person_id = ?', f.personId);
  if (f.category) add('c.category = ?', f.category);
  if (f.source) add('c.source = ?', f.source);
  if (f.escalated) where.push('c.escalated_at is not null');
  params.push(f.today);
  const today = `$${params.length}::date`;
  const overdueSql = `(c.handling = 'time_limited' and c.status in ('open', 'in_progress') and c.deadline < ${today})`;
  if (f.overdue) where.push(overdueSql);
  const w = where.join(' and ');
  const [{ n }] = await q.query<{ n: number }>(
    sql(`select count(*)::int as n from concerns c join persons p on p.id = c.person_id where ${w}`),
    // `today` (the last parameter) appears in the count only when filtering on overdue.
    f.overdue ? params : params.slice(0, -1),
  );
  params.push(f.limit, f.offset);
  const rows = await q.query<ConcernRow>(
    sql(`${SELECT} where ${w}
      order by ${overdueSql} desc, (c.status in ('open', 'in_progress', 'resolved')) desc, c.deadline nulls last, c.id desc
      limit $${params.length - 1} offset $${params.length}`),
    params,
  );
  return { rows, total: n };
}

export async function insertConcern(
  q: Queryable,
  c: {
    personId: number;
    townId: number;
    villageId: number;
    category: string;
    description: string;
    source: 'visit' | 'checklist' | 'manual';
    visitId: number | null;
    sourceItem: string | null;
    owner: 'town' | 'village';
    handling: 'immediate' | 'time_limited';
    deadline: string | null;
    status: ConcernStatus;
    resolution: string | null;
    createdBy: number | null;
    now: Date;
  },
): Promise<number | null> {
  const rows = await q.query<{ id: number }>(
    sql(`insert into concerns (person_id, town_id, village_id, category, description, source, visit_id, source_item, owner,
                           handling, deadline, status, resolution, resolved_at, resolved_by, created_at, created_by, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
             case when $12 = 'resolved' then $15::timestamptz end, case when $12 = 'resolved' then $14::int end, $15, $14, $15)
     on conflict (visit_id, source_item) where visit_id is not null do nothing
     returning id`),
    [
      c.personId,
      c.townId,
      c.villageId,
      c.category,
      c.description,
      c.source,
      c.visitId,
      c.sourceItem,
      c.owner,
      c.handling,
      c.deadline,
      c.status,
      c.resolution,
      c.createdBy,
      c.now,
    ],
  );
  return rows[0]?.id ?? null;
}

export async function updateConcern(
  q: Queryable,
  id: number,
  patch: Partial<{
    status: ConcernStatus;
    resolution: string | null;
    resolvedAt: Date | null;
    resolvedBy: number | null;
    verifiedAt: Date | null;
    verifiedBy: number | null;
    deadline: string | null;
    handling: 'immediate' | 'time_limited';
    owner: 'town' | 'village';
    escalatedAt: Date | null;
    reopened: boolean;
  }>,
  now: Date,
) {
  const cols: Record<string, string> = {
    status: 'status',
    resolution: 'resolution',
    resolvedAt: 'resolved_at',
    resolvedBy: 'resolved_by',
    verifiedAt: 'verified_at',
    verifiedBy: 'verified_by',
    deadline: 'deadline',
    handling: 'handling',
    owner: 'owner',
    escalatedAt: 'escalated_at',
  };
  const sets: string[] = [];
  const params: unknown[] = [id, now];
  for (const [k, v] of Object.entries(patch)) {
    if (k === 'reopened' || v === undefined) continue;
    params.push(v);
    sets.push(`${cols[k]} = $${params.length}`);
  }
  if (patch.reopened) sets.push('reopened_count = reopened_count + 1');
  await q.query(
    sql(
      `update concerns set ${[...sets, 'updated_at = $2', 'version = version + 1'].join(', ')} where id = $1`,
    ),
    params,
  );
}

export async function insertFile(
  q: Queryable,
  f: { concernId: number; name: string; mime: string; file: KeptFile; userId: number; now: Date },
): Promise<number> {
  const [r] = await q.query<{ id: number }>(
    sql(`insert into concern_files (concern_id, name, mime, size, sha256, data, stored, uploaded_at, uploaded_by)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id`),
    [f.concernId, f.name, f.mime, f.file.size, f.file.sha256, f.file.content, f.file.stored, f.now, f.userId],
  );
  return r.id;
}

export async function listFiles(q: Queryable, concernId: number) {
  return q.query<{ id: number; name: string; mime: string; size: number; uploaded_at: Date }>(
    sql('select id, name, mime, size, uploaded_at from concern_files where concern_id = $1 order by id'),
    [concernId],
  );
}

export async function getFile(q: Queryable, concernId: number, fileId: number) {
  const [r] = await q.query<{
    name: string;
    mime: string;
    content: Buffer | Uint8Array | null;
    sha256: string;
    stored: boolean;
  }>(
    sql(
      'select name, mime, data as content, sha256, stored from concern_files where concern_id = $1 and id = $2',
    ),
    [concernId, fileId],
  );
  return r;
}

/** Overdue, not yet escalated: claimed and marked in one statement (SKIP LOCKED for a second process). */
export async function claimOverdue(q: Queryable, today: string, now: Date, limit: number) {
  return q.query<{
    id: number;
    village_id: number;
    person_id: number;
    deadline: string;
    reopened_count: number;
  }>(
    sql(`update concerns c set escalated_at = $2
      where c.id in (select id from concerns
                      where handling = 'time_limited' and status in ('open', 'in_progress') and escalated_at is null
                        and deadline < $1::date
                      order by deadline, id limit $3 for update skip locked)
      returning c.id, c.village_id, c.person_id, c.deadline, c.reopened_count`),
    [today, now, limit],
  );
}

/** A visit's answers, for the town marking a failed checklist answer as a problem. */
export async function getVisitAnswers(q: Queryable, scope: Scope, visitId: number) {
  const params: unknown[] = [visitId];
  const cond = personCondition(scope, 'p', params);
  const [r] = withAnswers(
    await q.query<{
      id: number;
      person_id: number;
      at: Date;
      answers: StoredAnswers;
      checklist_version: number;
    }>(
      sql(`select v.id, v.person_id, v.at, v.answers, v.checklist_version
       from visits v join persons p on p.id = v.person_id where v.id = $1 and ${cond}`),
      params,
    ),
  );
  return r;
}

/** A concern's person's name and its category (an escalation message names them). */
export async function concernBrief(q: Queryable, id: number) {
  const [p] = await q.query<{ name: string; category: string }>(
    sql('select p.name, c.category from concerns c join persons p on p.id = c.person_id where c.id = $1'),
    [id],
  );
  return p;
}
