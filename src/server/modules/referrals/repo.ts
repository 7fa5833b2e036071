import type { ReferralStatus, ReferralTarget } from '../../../shared/incidents.js';
import type { Department } from '../../../shared/roles.js';
import type { Queryable } from '../../db/db.js';
import { sql } from '../../db/sql.js';
import { caseCondition, type Scope } from '../../http/scope.js';

export interface ReferralRow {
  id: number;
  person_id: number;
  person_name: string;
  person_id_masked: string;
  person_address: string | null;
  person_phone_masked: string | null;
  town_id: number;
  town_name: string;
  village_id: number;
  village_name: string;
  target: ReferralTarget;
  department: Department | null;
  institution: string | null;
  reason: string;
  source: 'visit' | 'manual' | 'incident';
  visit_id: number | null;
  source_item: string | null;
  status: ReferralStatus;
  response: string | null;
  responded_at: Date | null;
  responded_by_name: string | null;
  completed_at: Date | null;
  created_at: Date;
  created_by_name: string | null;
  version: number;
}

// What a department needs to act on a referral (name, masked ID, address, masked phone) comes with
// the referral itself, so liaisons never need to read person files.
const SELECT = `
  select r.id, r.person_id, p.name as person_name, p.id_number_masked as person_id_masked,
         p.current_address as person_address, p.phone_masked as person_phone_masked,
         r.town_id, t.name as town_name, r.village_id, v.name as village_name, r.target, r.department,
         r.institution, r.reason, r.source, r.visit_id, r.source_item, r.status, r.response, r.responded_at,
         ru.display_name as responded_by_name, r.completed_at, r.created_at, cu.display_name as created_by_name,
         r.version
    from referrals r
    join persons p on p.id = r.person_id
    join areas t on t.id = r.town_id
    join areas v on v.id = r.village_id
    left join users ru on ru.id = r.responded_by
    left join users cu on cu.id = r.created_by`;

// Liaisons see a referral once it is sent (not drafts the town has not confirmed).
const DEPT_SQL = `(case when r.status <> 'draft' and r.department is not null then array[r.department] else '{}'::text[] end)`;

export async function getReferral(q: Queryable, scope: Scope, id: number, forUpdate = false) {
  const params: unknown[] = [id];
  const cond = caseCondition(scope, DEPT_SQL, params);
  if (forUpdate) await q.query(sql('select id from referrals where id = $1 for update'), [id]);
  const [row] = await q.query<ReferralRow>(sql(`${SELECT} where r.id = $1 and ${cond}`), params);
  return row;
}

export interface ReferralFilter {
  status?: ReferralStatus;
  target?: ReferralTarget;
  department?: Department;
  townId?: number;
  personId?: number;
  limit: number;
  offset: number;
}

export async function listReferrals(q: Queryable, scope: Scope, f: ReferralFilter) {
  const params: unknown[] = [];
  const where = [caseCondition(scope, DEPT_SQL, params)];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.status) add('r.status = ?', f.status);
  if (f.target) add('r.target = ?', f.target);
  if (f.department) add('r.department = ?', f.department);
  if (f.townId) add('r.town_id = ?', f.townId);
  if (f.personId) add('r.person_id = ?', f.personId);
  const w = where.join(' and ');
  const [{ n }] = await q.query<{ n: number }>(
    sql(`select count(*)::int as n from referrals r join persons p on p.id = r.person_id where ${w}`),
    params,
  );
  params.push(f.limit, f.offset);
  const rows = await q.query<ReferralRow>(
    sql(`${SELECT} where ${w}
      order by (r.status in ('draft', 'pending', 'accepted')) desc, r.updated_at desc, r.id desc
      limit $${params.length - 1} offset $${params.length}`),
    params,
  );
  return { rows, total: n };
}

export async function insertReferral(
  q: Queryable,
  r: {
    personId: number;
    townId: number;
    villageId: number;
    target: ReferralTarget;
    department: Department | null;
    institution: string | null;
    reason: string;
    source: 'visit' | 'manual' | 'incident';
    visitId: number | null;
    sourceItem: string | null;
    status: ReferralStatus;
    createdBy: number | null;
    now: Date;
  },
): Promise<number | null> {
  const rows = await q.query<{ id: number }>(
    sql(`insert into referrals (person_id, town_id, village_id, target, department, institution, reason, source, visit_id,
                            source_item, status, created_at, created_by, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $12)
     on conflict (visit_id, source_item) where visit_id is not null do nothing
     returning id`),
    [
      r.personId,
      r.townId,
      r.villageId,
      r.target,
      r.department,
      r.institution,
      r.reason,
      r.source,
      r.visitId,
      r.sourceItem,
      r.status,
      r.now,
      r.createdBy,
    ],
  );
  return rows[0]?.id ?? null;
}

export async function updateReferral(
  q: Queryable,
  id: number,
  p: Partial<{
    status: ReferralStatus;
    department: Department | null;
    institution: string | null;
    reason: string;
    response: string | null;
    respondedAt: Date;
    respondedBy: number;
    completedAt: Date;
  }>,
  now: Date,
) {
  const cols: Record<string, string> = {
    status: 'status',
    department: 'department',
    institution: 'institution',
    reason: 'reason',
    response: 'response',
    respondedAt: 'responded_at',
    respondedBy: 'responded_by',
    completedAt: 'completed_at',
  };
  const sets = ['updated_at = $2', 'version = version + 1'];
  const params: unknown[] = [id, now];
  for (const [k, v] of Object.entries(p)) {
    if (v === undefined) continue;
    params.push(v);
    sets.push(`${cols[k]} = $${params.length}`);
  }
  await q.query(sql(`update referrals set ${sets.join(', ')} where id = $1`), params);
}
