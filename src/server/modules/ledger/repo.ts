import type { ReviewState, Signal } from '../../../shared/authenticity.js';
import type { AreaLevel } from '../../../shared/roles.js';
import type { Encrypted } from '../../crypto/field-cipher.js';
import type { Queryable } from '../../db/db.js';
import { sql } from '../../db/sql.js';
import type { Scope } from '../../http/scope.js';
import { type StoredAnswers, type WithAnswers, withAnswers } from '../visits/index.js';

/** Rows of one slice of a ledger: an area subtree (or everything in scope) and a time window. */
export interface LedgerSlice {
  /**
   * Above the township (county, city, region), `townIds` are the townships of the subtree
   * (oversight's resolveSlice), given to the query as values: as a subquery
   * (`town_id in (select … where parent_id = …)`) the planner could not see that it keeps every visit
   * of the district, guessed it kept 0.04 % of them, and sorted the rest of the month for every batch
   * (5 s a batch at 1,000,000 persons) instead of reading the (at, id) index in order.
   */
  area: { id: number; level: AreaLevel; townIds?: number[] } | null;
  scope: Scope;
  from: Date;
  to: Date;
}

/** The slice as SQL on a row `r` that carries town_id and village_id (and visitor_id). */
function sliceWhere(s: LedgerSlice, params: unknown[], visitorColumn: string | null): string {
  const parts: string[] = [];
  if (s.area?.townIds) {
    params.push(s.area.townIds);
    parts.push(`r.town_id = any($${params.length}::int[])`);
  } else if (s.area) {
    params.push(s.area.id);
    const n = `$${params.length}::int`;
    if (s.area.level === 'town') parts.push(`r.town_id = ${n}`);
    else if (s.area.level === 'village') parts.push(`r.village_id = ${n}`);
    else
      parts.push(`r.town_id in (select t.id from areas t where t.level = 'town'
        and t.path like (select a.path from areas a where a.id = ${n}) || '%')`);
  }
  if (!s.scope.all) {
    const reach: string[] = [];
    if (s.scope.areaIds.length) {
      params.push(s.scope.areaIds);
      reach.push(`r.town_id = any($${params.length}::int[])`, `r.village_id = any($${params.length}::int[])`);
    }
    if (s.scope.visitor && visitorColumn) {
      params.push(s.scope.userId);
      reach.push(`${visitorColumn} = $${params.length}::int`);
    }
    parts.push(reach.length ? `(${reach.join(' or ')})` : 'false');
  }
  return parts.length ? parts.join(' and ') : 'true';
}

export interface VisitLedgerRow {
  id: number;
  at: Date;
  town_name: string;
  village_name: string;
  person_name: string;
  id_number_enc: Encrypted;
  id_number_masked: string;
  visitor_name: string;
  method: string;
  outcome: string;
  qualifying: boolean;
  duration_minutes: number | null;
  notes: string | null;
  checklist_version: number;
  answers: StoredAnswers;
  seasons: string[];
  photo_count: number;
  has_signature: boolean;
  signals: Signal[] | null;
  review_state: ReviewState | null;
  review_note: string | null;
}

/** One batch of visits, keyset on (at, id): a million-row ledger never sits in memory. */
export async function visitBatch(
  q: Queryable,
  s: LedgerSlice,
  after: { at: Date; id: number } | null,
  limit: number,
): Promise<WithAnswers<VisitLedgerRow>[]> {
  const params: unknown[] = [s.from, s.to];
  const where = ['r.at >= $1', 'r.at < $2', sliceWhere(s, params, 'r.visitor_id')];
  if (after) {
    // The row comparison is an index bound on visits (at, id) (migration 016). `r.at >= …` as well,
    // for a planner that takes another index on at: without both, every batch walked the window from
    // its start again (quadratic: a 1,227,593-row ledger took 47 minutes).
    params.push(after.at, after.id);
    where.push(`r.at >= $${params.length - 1}`, `(r.at, r.id) > ($${params.length - 1}, $${params.length})`);
  }
  params.push(limit);
  return withAnswers(
    await q.query<VisitLedgerRow>(
      sql(`select r.id, r.at, t.name as town_name, vl.name as village_name, p.name as person_name, p.id_number_enc,
            p.id_number_masked, u.display_name as visitor_name, r.method, r.outcome, r.qualifying,
            r.duration_minutes, r.notes, r.checklist_version, r.answers, r.seasons, r.photo_count, r.has_signature,
            r.signals, r.review_state, r.review_note
       from visits r
       join persons p on p.id = r.person_id
       join areas t on t.id = r.town_id
       join areas vl on vl.id = r.village_id
       join users u on u.id = r.visitor_id
      where ${where.join(' and ')}
      order by r.at, r.id limit $${params.length}`),
      params,
    ),
  );
}

export interface ConcernLedgerRow {
  id: number;
  created_at: Date;
  town_name: string;
  village_name: string;
  person_name: string;
  id_number_enc: Encrypted;
  id_number_masked: string;
  category: string;
  description: string;
  source: string;
  owner: string;
  handling: string;
  deadline: string | null;
  status: string;
  resolution: string | null;
  resolved_at: Date | null;
  verified_at: Date | null;
  escalated_at: Date | null;
  reopened_count: number;
  supervision: string | null;
}

/** Concerns raised in the window or still unresolved at its end, keyset on id. */
export async function concernBatch(
  q: Queryable,
  s: LedgerSlice,
  after: number,
  limit: number,
): Promise<ConcernLedgerRow[]> {
  const params: unknown[] = [s.from, s.to, after];
  const where = [
    `((r.created_at >= $1 and r.created_at < $2) or (r.created_at < $2 and (r.resolved_at is null or r.resolved_at >= $1)))`,
    'r.id > $3',
    sliceWhere(s, params, 'p.visitor_id'),
  ];
  params.push(limit);
  return q.query<ConcernLedgerRow>(
    sql(`select r.id, r.created_at, t.name as town_name, vl.name as village_name, p.name as person_name,
            p.id_number_enc, p.id_number_masked, r.category, r.description, r.source, r.owner, r.handling,
            r.deadline, r.status, r.resolution, r.resolved_at, r.verified_at, r.escalated_at, r.reopened_count,
            (select string_agg(e.body, '；' order by e.id) from concern_entries e
              where e.concern_id = r.id and e.kind = 'supervision') as supervision
       from concerns r
       join persons p on p.id = r.person_id
       join areas t on t.id = r.town_id
       join areas vl on vl.id = r.village_id
      where ${where.join(' and ')}
      order by r.id limit $${params.length}`),
    params,
  );
}

/** Rows a ledger of the window [from, to) will have (the command line's progress bar). */
export async function ledgerRowCount(q: Queryable, kind: 'visits' | 'concerns', from: Date, to: Date) {
  const [{ n }] = await q.query<{ n: number }>(
    sql(
      kind === 'visits'
        ? 'select count(*)::int as n from visits where at >= $1 and at < $2'
        : 'select count(*)::int as n from concerns where created_at < $2 and (created_at >= $1 or resolved_at is null or resolved_at >= $1)',
    ),
    [from, to],
  );
  return n;
}
