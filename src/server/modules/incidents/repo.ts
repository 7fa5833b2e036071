import type { IncidentType } from '../../../shared/incidents.js';
import type { Queryable } from '../../db/db.js';
import { sql } from '../../db/sql.js';
import { caseCondition, type Scope } from '../../http/scope.js';

export interface IncidentRow {
  id: number;
  person_id: number;
  person_name: string;
  town_id: number;
  town_name: string;
  village_id: number;
  village_name: string;
  type: IncidentType;
  critical: boolean;
  description: string;
  source: 'visit' | 'manual';
  visit_id: number | null;
  status: 'open' | 'closed';
  departments: string[];
  outcome: string | null;
  opened_at: Date;
  opened_by_name: string | null;
  closed_at: Date | null;
  version: number;
  parties: {
    party: string;
    due_at: string;
    acknowledged_at: string | null;
    acknowledged_by_name: string | null;
    escalated_at: string | null;
  }[];
}

const SELECT = `
  select i.id, i.person_id, p.name as person_name, i.town_id, t.name as town_name, i.village_id,
         v.name as village_name, i.type, i.critical, i.description, i.source, i.visit_id, i.status,
         i.departments, i.outcome, i.opened_at, ou.display_name as opened_by_name, i.closed_at, i.version,
         coalesce((select json_agg(json_build_object('party', ip.party, 'due_at', ip.due_at,
                     'acknowledged_at', ip.acknowledged_at, 'acknowledged_by_name', au.display_name,
                     'escalated_at', ip.escalated_at) order by ip.party)
                   from incident_parties ip left join users au on au.id = ip.acknowledged_by
                  where ip.incident_id = i.id), '[]'::json) as parties
    from incidents i
    join persons p on p.id = i.person_id
    join areas t on t.id = i.town_id
    join areas v on v.id = i.village_id
    left join users ou on ou.id = i.opened_by`;

export async function getIncident(q: Queryable, scope: Scope, id: number, forUpdate = false) {
  const params: unknown[] = [id];
  const cond = caseCondition(scope, 'i.departments', params);
  if (forUpdate) await q.query(sql('select id from incidents where id = $1 for update'), [id]);
  const [row] = await q.query<IncidentRow>(sql(`${SELECT} where i.id = $1 and ${cond}`), params);
  return row;
}

export interface IncidentFilter {
  status?: 'open' | 'closed';
  type?: IncidentType;
  townId?: number;
  personId?: number;
  department?: string;
  limit: number;
  offset: number;
}

/** Open first (oldest first), then closed (newest first). */
export async function listIncidents(q: Queryable, scope: Scope, f: IncidentFilter) {
  const params: unknown[] = [];
  const where = [caseCondition(scope, 'i.departments', params)];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.status) add('i.status = ?', f.status);
  if (f.type) add('i.type = ?', f.type);
  if (f.townId) add('i.town_id = ?', f.townId);
  if (f.personId) add('i.person_id = ?', f.personId);
  if (f.department) add('? = any(i.departments)', f.department);
  const w = where.join(' and ');
  const [{ n }] = await q.query<{ n: number }>(
    sql(`select count(*)::int as n from incidents i join persons p on p.id = i.person_id where ${w}`),
    params,
  );
  params.push(f.limit, f.offset);
  const rows = await q.query<IncidentRow>(
    sql(`${SELECT} where ${w}
      order by (i.status = 'open') desc,
               case when i.status = 'open' then extract(epoch from i.opened_at) else -extract(epoch from coalesce(i.closed_at, i.opened_at)) end,
               i.id desc
      limit $${params.length - 1} offset $${params.length}`),
    params,
  );
  return { rows, total: n };
}

export async function insertIncident(
  q: Queryable,
  i: {
    personId: number;
    townId: number;
    villageId: number;
    type: IncidentType;
    critical: boolean;
    description: string;
    source: 'visit' | 'manual';
    visitId: number | null;
    departments: string[];
    openedBy: number | null;
    now: Date;
  },
): Promise<number | null> {
  const rows = await q.query<{ id: number }>(
    sql(`insert into incidents (person_id, town_id, village_id, type, critical, description, source, visit_id, departments,
                            opened_at, opened_by)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     on conflict (visit_id, type) where visit_id is not null do nothing
     returning id`),
    [
      i.personId,
      i.townId,
      i.villageId,
      i.type,
      i.critical,
      i.description,
      i.source,
      i.visitId,
      i.departments,
      i.now,
      i.openedBy,
    ],
  );
  return rows[0]?.id ?? null;
}

export async function insertParties(q: Queryable, incidentId: number, parties: string[], dueAt: Date) {
  for (const p of parties) {
    await q.query(
      sql(
        `insert into incident_parties (incident_id, party, due_at) values ($1, $2, $3) on conflict do nothing`,
      ),
      [incidentId, p, dueAt],
    );
  }
}

/** Marks the parties acknowledged; returns the ones that were still open. */
export async function acknowledgeParties(
  q: Queryable,
  incidentId: number,
  parties: string[],
  userId: number,
  now: Date,
): Promise<string[]> {
  const rows = await q.query<{ party: string }>(
    sql(`update incident_parties set acknowledged_at = $4, acknowledged_by = $3
      where incident_id = $1 and party = any($2::text[]) and acknowledged_at is null returning party`),
    [incidentId, parties, userId, now],
  );
  return rows.map((r) => r.party);
}

export async function closeIncident(q: Queryable, id: number, outcome: string, userId: number, now: Date) {
  await q.query(
    sql(`update incidents set status = 'closed', outcome = $2, closed_at = $3, closed_by = $4, version = version + 1
      where id = $1`),
    [id, outcome, now, userId],
  );
}

export async function bumpVersion(q: Queryable, id: number) {
  await q.query(sql('update incidents set version = version + 1 where id = $1'), [id]);
}

/**
 * Parties past their deadline, not acknowledged and not yet escalated, on open incidents. Locked
 * with SKIP LOCKED so a second process escalating at the same moment takes other rows.
 */
export async function claimOverdueParties(q: Queryable, now: Date, limit: number) {
  return q.query<{ incident_id: number; party: string; due_at: Date }>(
    sql(`update incident_parties ip set escalated_at = $1
      where (ip.incident_id, ip.party) in (
        select x.incident_id, x.party from incident_parties x join incidents i on i.id = x.incident_id
         where x.acknowledged_at is null and x.escalated_at is null and x.due_at <= $1 and i.status = 'open'
         order by x.due_at limit $2 for update of x skip locked)
      returning ip.incident_id, ip.party, ip.due_at`),
    [now, limit],
  );
}

/** Open counts by type and median minutes to acknowledge, for the board header. */
export async function incidentStats(q: Queryable, scope: Scope) {
  const params: unknown[] = [];
  const cond = caseCondition(scope, 'i.departments', params);
  const byType = await q.query<{ type: string; n: number }>(
    sql(`select i.type, count(*)::int as n from incidents i join persons p on p.id = i.person_id
      where i.status = 'open' and ${cond} group by i.type`),
    params,
  );
  // One row per incident: its first acknowledgement and its earliest deadline (shared/metrics.ts
  // `incidentAckFigures` turns them into 按时确认率 and 确认用时, the rule the dashboard uses).
  const ack = await q.query<{ opened_at: Date; first_ack: Date | null; first_due: Date | null }>(
    sql(`select i.opened_at, x.first_ack, x.first_due
       from incidents i join persons p on p.id = i.person_id
       join lateral (select min(ip.acknowledged_at) as first_ack, min(ip.due_at) as first_due
                       from incident_parties ip where ip.incident_id = i.id) x on true
      where ${cond}`),
    params,
  );
  return {
    byType,
    ack: ack.map((r) => ({ openedAt: r.opened_at, firstAckAt: r.first_ack, firstDueAt: r.first_due })),
  };
}

export async function openTaskIds(q: Queryable, personId: number): Promise<number[]> {
  const rows = await q.query<{ id: number }>(
    sql(`select id from visit_tasks where person_id = $1 and status = 'open'`),
    [personId],
  );
  return rows.map((r) => r.id);
}

/** An incident's person's name, village and type (an escalation message names them). */
export async function incidentBrief(q: Queryable, id: number) {
  const [inc] = await q.query<{ person_name: string; village_id: number; type: IncidentType }>(
    sql(`select p.name as person_name, i.village_id, i.type from incidents i join persons p on p.id = i.person_id
          where i.id = $1`),
    [id],
  );
  return inc;
}
