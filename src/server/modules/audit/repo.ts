import { createHash } from 'node:crypto';
import type { Db, Queryable } from '../../db/db.js';
import { prepared, sql } from '../../db/sql.js';
import type { Scope } from '../../http/scope.js';

export interface AuditEntry {
  at: Date;
  actorId: number | null;
  action: string;
  entity: string;
  entityId?: string | number | null;
  areaId?: number | null;
  detail?: Record<string, unknown>;
  ip?: string | null;
  /**
   * Picks the chain instead of entity and id: a busy entity's rows (a service account's calls) are
   * spread over the chains rather than queued on one tail lock. Not stored; verify never needs it.
   */
  chainKey?: string;
}

export const GENESIS = '0'.repeat(64);

/** The canonical text hashed for one row; verify recomputes it the same way. */
export function auditRowText(r: {
  at: Date;
  actor_id: number | null;
  action: string;
  entity: string;
  entity_id: string | null;
  area_id: number | null;
  detail: unknown;
  ip: string | null;
}): string {
  return JSON.stringify([
    r.at.toISOString(),
    r.actor_id,
    r.action,
    r.entity,
    r.entity_id,
    r.area_id,
    canonical(r.detail),
    r.ip,
  ]);
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** How many independent chains new audit rows are spread over (verify accepts any chain number). */
export const AUDIT_CHAINS = 16;

/** The chain of a stable key: the same key always lands on the same chain. */
export function auditChainOf(key: string): number {
  return createHash('sha256').update(key).digest().readUInt16BE(0) % AUDIT_CHAINS;
}

/** The chain each open transaction writes to (one per transaction: it holds at most one tail lock). */
const txChains = new WeakMap<Queryable, Map<string, number>>();

/**
 * Appends one row to the hash chain. Call inside the transaction of the change it describes: the
 * chain's tail row stays locked until commit, so the chain has no forks. Given a `Db` instead of a
 * transaction's `q` (a view or an export: nothing else to commit with it), the append is a statement
 * of its own, which is a transaction by itself.
 */
export async function appendAudit(q: Queryable, e: AuditEntry): Promise<void> {
  await appendAuditTo(q, 'audit_log', e);
}

/**
 * appendAudit into a named table of the same shape. Only `audit_log` is used by the product; tests
 * build throw-away chains in copies of it to tamper with.
 *
 * The log is `AUDIT_CHAINS` independent chains. A transaction's first row picks its chain by a
 * stable key (entity and id, else the actor); its later rows follow it into the same chain, so a
 * transaction holds one tail lock and two transactions can never wait for each other's chains
 * (no deadlock). Within a chain ids rise in chain order: the next row is inserted only after the
 * previous one committed.
 */
export async function appendAuditTo(q: Queryable, table: string, e: AuditEntry): Promise<void> {
  const t = auditTable(table);
  const key = e.chainKey ?? `${e.entity}:${e.entityId ?? `actor${e.actorId ?? ''}`}`;
  let chain: number;
  if (isDb(q)) {
    // No transaction of the caller (an audited view or export): the append below is one statement,
    // atomic on its own, so it runs without BEGIN and COMMIT (two round trips fewer).
    chain = auditChainOf(key);
  } else {
    let chains = txChains.get(q);
    if (!chains) {
      chains = new Map();
      txChains.set(q, chains);
    }
    const taken = chains.get(t);
    chain = taken ?? auditChainOf(key);
    if (taken === undefined) chains.set(t, chain);
  }
  // Millisecond precision: what PostgreSQL stores is what we hash.
  const at = new Date(Math.floor(e.at.getTime()));
  const row = {
    at,
    actor_id: e.actorId,
    action: e.action,
    entity: e.entity,
    entity_id: e.entityId == null ? null : String(e.entityId),
    area_id: e.areaId ?? null,
    // What jsonb gives back (dates become strings, undefined keys vanish) is what we hash.
    detail: JSON.parse(JSON.stringify(e.detail ?? {})),
    ip: e.ip ?? null,
  };
  // One round trip: lock the chain's tail row (FOR UPDATE waits for a writer ahead of us and then
  // reads its committed hash), insert the row hashed onto it, move the tail. The hash is
  // sha256(prev + text) in hex, the same formula verify recomputes in JS (`sha256` above); the row
  // text is made here, only the concatenation with the locked tail happens in SQL.
  const append = () =>
    q.query<{ id: number }>(
      prepared(`with tail as (
         select hash from audit_chain_tails where log = $10 and chain = $9 for update),
       ins as (
         insert into ${t} (at, actor_id, action, entity, entity_id, area_id, detail, ip, prev_hash, hash, chain)
         select $1, $2, $3, $4, $5, $6, $7, $8, tail.hash,
                encode(sha256(convert_to(tail.hash || $11::text, 'UTF8')), 'hex'), $9
           from tail
         returning id, hash)
       update audit_chain_tails c set hash = ins.hash, last_id = ins.id
         from ins where c.log = $10 and c.chain = $9
       returning ins.id`),
      [
        at,
        row.actor_id,
        row.action,
        row.entity,
        row.entity_id,
        row.area_id,
        JSON.stringify(row.detail),
        row.ip,
        chain,
        t,
        auditRowText(row),
      ],
    );
  if ((await append()).length) return;
  // A chain's first row: make its tail (genesis), then append.
  await q.query(
    sql('insert into audit_chain_tails (log, chain, hash) values ($1, $2, $3) on conflict do nothing'),
    [t, chain, GENESIS],
  );
  if (!(await append()).length) throw new Error(`audit chain ${t}/${chain} has no tail row`);
}

/**
 * An audit row appended by another module's single statement, for a change that statement makes
 * (a visit stored without a transaction around it: modules/visits). The row's entity id and one list
 * of ids in its detail are known only inside that statement (its insert makes them): `source` is a
 * select of one row (`id`, and `ids` a bigint array) or none, and the row is appended when it has one.
 * Everything else is made here as for `appendAudit`: the canonical text is built in JS with two marks
 * and cut at them, so SQL only splices the id and the list in; the hash is sha256(prev + text) onto
 * the chain's tail, locked (FOR UPDATE) and moved by the same statement.
 *
 * Returns CTEs to put in the caller's WITH list (names `aud_*`), their parameters pushed onto
 * `params`. `chain` must be a chain whose tail row exists (`auditTailExistsSql`): without it the
 * row's prev_hash is null and the whole statement fails, the change with it (never a change without
 * its row).
 */
export function auditInStatementSql(
  params: unknown[],
  e: AuditEntry & { chain: number; idsKey: string },
  source: string,
): string {
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const at = new Date(Math.floor(e.at.getTime()));
  const detail = JSON.parse(JSON.stringify(e.detail ?? {}));
  delete detail[e.idsKey];
  const ID = '\u0001id\u0001';
  const IDS = '\u0001ids\u0001';
  const text = auditRowText({
    at,
    actor_id: e.actorId,
    action: e.action,
    entity: e.entity,
    entity_id: ID,
    area_id: e.areaId ?? null,
    detail: Object.assign(detail, { [e.idsKey]: IDS }),
    ip: e.ip ?? null,
  });
  const [before, rest] = text.split(JSON.stringify(ID));
  const [between, after] = rest.split(JSON.stringify(IDS));
  const log = p('audit_log');
  const chain = p(e.chain);
  return `aud_src as (${source}),
     aud_tail as (
       select hash from audit_chain_tails
        where log = ${log} and chain = ${chain} and exists (select 1 from aud_src) for update),
     aud_row as (
       select s.id::text as entity_id, t.hash as prev_hash,
              ${p(JSON.stringify(detail))}::jsonb || jsonb_build_object(${p(e.idsKey)}::text, to_jsonb(s.ids)) as detail,
              ${p(before)}::text || '"' || s.id::text || '"' || ${p(between)}::text
                || '[' || array_to_string(s.ids, ',') || ']' || ${p(after)}::text as txt
         from aud_src s left join aud_tail t on true),
     aud as (
       insert into audit_log (at, actor_id, action, entity, entity_id, area_id, detail, ip, prev_hash, hash, chain)
       select ${p(at)}::timestamptz, ${p(e.actorId)}::int, ${p(e.action)}::text, ${p(e.entity)}::text, r.entity_id,
              ${p(e.areaId ?? null)}::int, r.detail, ${p(e.ip ?? null)}::text, r.prev_hash,
              encode(sha256(convert_to(r.prev_hash || r.txt, 'UTF8')), 'hex'), ${chain}
         from aud_row r
       returning id, hash),
     aud_tail_moved as (
       update audit_chain_tails c set hash = aud.hash, last_id = aud.id
         from aud where c.log = ${log} and c.chain = ${chain})`;
}

/** SQL true when the audit log's chain `chainParam` has its tail row (see `auditInStatementSql`). */
export function auditTailExistsSql(chainParam: string): string {
  return `exists (select 1 from audit_chain_tails where log = 'audit_log' and chain = ${chainParam})`;
}

const isDb = (q: Queryable): q is Db => 'tx' in q && typeof (q as Db).tx === 'function';

/** A table name for the audit chain: a plain identifier, optionally schema-qualified. */
export function auditTable(name: string): string {
  if (!/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/.test(name)) throw new Error(`不合法的表名 ${name}`);
  return name;
}

export interface AuditSearchRow {
  id: number;
  at: Date;
  actor_id: number | null;
  actor_username: string | null;
  actor_name: string | null;
  action: string;
  entity: string;
  entity_id: string | null;
  area_id: number | null;
  detail: Record<string, unknown>;
  ip: string | null;
  /** The named subject: the user a user row is about, else the person of a person row or its detail. */
  subject_name: string | null;
}

export interface AuditFilter {
  actorId?: number;
  /** Exact action, or a prefix ending in '.' / '*' (e.g. 'login*', 'person.'). */
  action?: string;
  entity?: string;
  entityId?: string;
  /** Rows about this person: the person entity itself or any row whose detail names it. */
  personId?: number;
  from?: Date;
  to?: Date;
  /** Keyset: rows with id below this one (newest first). */
  before?: number;
  limit: number;
}

/** Newest first, keyset-paged on id. The audit log is district-wide: only bureau roles search it. */
/**
 * The log rows a scope may read. A bureau of the whole tree reads everything; a bureau of a county
 * (under a city) reads the rows about its subtree and the rows of actors granted in it — never a
 * neighbour county's (issue 31's scope check found this unscoped).
 */
function auditReach(scope: Scope, p: (v: unknown) => string): string | null {
  if (scope.all) return null;
  const ids = p(scope.areaIds);
  return `(l.area_id = any(${ids}::int[])
    or l.actor_id in (select r.user_id from user_roles r where r.area_id = any(${ids}::int[])))`;
}

export async function searchAudit(q: Queryable, f: AuditFilter, scope: Scope): Promise<AuditSearchRow[]> {
  const params: unknown[] = [];
  const where: string[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const reach = auditReach(scope, p);
  if (reach) where.push(reach);
  if (f.actorId !== undefined) where.push(`l.actor_id = ${p(f.actorId)}`);
  if (f.action) {
    const a = f.action.replace(/\*$/, '');
    if (f.action.endsWith('*') || f.action.endsWith('.')) {
      where.push(`l.action like ${p(`${a.replace(/[%_\\]/g, '\\$&')}%`)}`);
    } else where.push(`l.action = ${p(a)}`);
  }
  if (f.entity) where.push(`l.entity = ${p(f.entity)}`);
  if (f.entityId) where.push(`l.entity_id = ${p(f.entityId)}`);
  if (f.personId !== undefined) {
    const v = p(String(f.personId));
    where.push(`((l.entity = 'person' and l.entity_id = ${v}) or l.detail->>'personId' = ${v})`);
  }
  if (f.from) where.push(`l.at >= ${p(f.from)}`);
  if (f.to) where.push(`l.at < ${p(f.to)}`);
  if (f.before) where.push(`l.id < ${p(f.before)}`);
  return q.query<AuditSearchRow>(
    sql(`select l.id::int as id, l.at, l.actor_id, u.username as actor_username, u.display_name as actor_name,
            l.action, l.entity, l.entity_id, l.area_id, l.detail, l.ip,
            coalesce(su.display_name, sp.name) as subject_name
       from audit_log l left join users u on u.id = l.actor_id
       left join users su on l.entity = 'user'
                         and su.id = case when l.entity_id ~ '^[0-9]{1,9}$' then l.entity_id::int end
       left join persons sp on sp.id = case
                  when l.entity = 'person' and l.entity_id ~ '^[0-9]{1,9}$' then l.entity_id::int
                  when l.detail->>'personId' ~ '^[0-9]{1,9}$' then (l.detail->>'personId')::int end
      ${where.length ? `where ${where.join(' and ')}` : ''}
      order by l.id desc limit ${p(f.limit)}`),
    params,
  );
}

/** Users whose name or user name contains `text` (the search form's picker of an actor). */
export async function searchAuditActors(q: Queryable, text: string, scope: Scope, limit = 20) {
  return q.query<{ id: number; username: string; display_name: string }>(
    sql(`select u.id, u.username, u.display_name from users u
      where (u.username ilike $1 or u.display_name ilike $1)
        and ($3::boolean or u.id = $4 or u.id in (select r.user_id from user_roles r where r.area_id = any($5::int[])))
      order by u.display_name, u.id limit $2`),
    [`%${text.replace(/[%_\\]/g, '\\$&')}%`, limit, scope.all, scope.userId, scope.areaIds],
  );
}

/** The distinct actions seen so far, for the search form. */
export async function listAuditActions(q: Queryable): Promise<string[]> {
  const rows = await q.query<{ action: string }>(
    sql('select distinct action from audit_log order by action'),
  );
  return rows.map((r) => r.action);
}

// ---------------------------------------------------------------------------------------------
// Reads of the chain checker (verify.ts). `t` is a checked table name (auditTable).

/** A row of the audit log as the checker reads it. */
export interface AuditLogRow {
  id: number;
  chain: number;
  at: Date;
  actor_id: number | null;
  action: string;
  entity: string;
  entity_id: string | null;
  area_id: number | null;
  detail: unknown;
  ip: string | null;
  prev_hash: string;
  hash: string;
}

/** Each chain's recorded tail (last id and hash) of a log. */
export function chainTails(q: Queryable, t: string) {
  return q.query<{ chain: number; last_id: number | null; hash: string }>(
    sql('select chain, last_id::int as last_id, hash from audit_chain_tails where log = $1 order by chain'),
    [t],
  );
}

/** Per chain, the last row before id `from`. */
export function lastRowsBefore(q: Queryable, t: string, from: number) {
  return q.query<{ chain: number; id: number; hash: string }>(
    sql(
      `select distinct on (chain) chain, id::int as id, hash from ${t} where id < $1 order by chain, id desc`,
    ),
    [from],
  );
}

/** Up to `limit` rows after id `after` (to id `to` inclusive, when given), in id order. */
export function auditRowsAfter(q: Queryable, t: string, after: number, limit: number, to?: number | null) {
  const params: unknown[] = [after, limit];
  let bound = '';
  if (to) {
    params.push(to);
    bound = `and id <= $${params.length}`;
  }
  return q.query<AuditLogRow>(
    sql(`select id::int as id, chain, at, actor_id, action, entity, entity_id, area_id, detail, ip, prev_hash, hash
       from ${t} where id > $1 ${bound} order by id limit $2`),
    params,
  );
}

/** Ids of the rows with this hash (at most one). */
export function rowIdsByHash(q: Queryable, t: string, hash: string) {
  return q.query<{ id: number }>(sql(`select id::int as id from ${t} where hash = $1 limit 1`), [hash]);
}
