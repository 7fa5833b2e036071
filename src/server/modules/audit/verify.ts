import type { Queryable } from '../../db/db.js';
import { auditRowText, auditTable, GENESIS, sha256 } from './repo.js';

/** One broken link of the audit chain, with the row it was found at. */
export interface AuditProblem {
  id: number;
  kind: 'edited' | 'deleted' | 'reordered';
  message: string;
}

export interface AuditVerifyResult {
  ok: boolean;
  checked: number;
  firstId: number | null;
  /** The last row and its hash: record it elsewhere to detect a cut-off tail later. */
  lastId: number | null;
  lastHash: string | null;
  problems: AuditProblem[];
}

interface Row {
  id: number;
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

/**
 * Walks the hash chain in id order and names every row that was edited (its hash no longer matches its
 * content), follows a deleted row (its prev_hash is no row's hash), or stands out of order (its
 * prev_hash is the hash of a row other than the one before it). Reads in batches: memory stays flat.
 * `from`/`to` check a range of ids; `table` a copy of the log of the same shape.
 */
export async function verifyAuditChain(
  q: Queryable,
  opts: { table?: string; from?: number; to?: number; batch?: number; maxProblems?: number } = {},
): Promise<AuditVerifyResult> {
  const t = auditTable(opts.table ?? 'audit_log');
  const batch = opts.batch ?? 5000;
  const maxProblems = opts.maxProblems ?? 100;
  const problems: AuditProblem[] = [];
  let checked = 0;
  let firstId: number | null = null;
  let prev: { id: number; hash: string } | null = null;
  if (opts.from && opts.from > 1) {
    // The row before the range anchors its first link.
    const before = await q.query<{ id: number; hash: string }>(
      `select id, hash from ${t} where id < $1 order by id desc limit 1`,
      [opts.from],
    );
    prev = before[0] ?? null;
  }
  let cursor = (opts.from ?? 1) - 1;
  for (;;) {
    const params: unknown[] = [cursor, batch];
    let bound = '';
    if (opts.to) {
      params.push(opts.to);
      bound = `and id <= $${params.length}`;
    }
    const rows = await q.query<Row>(
      `select id::int as id, at, actor_id, action, entity, entity_id, area_id, detail, ip, prev_hash, hash
         from ${t} where id > $1 ${bound} order by id limit $2`,
      params,
    );
    if (rows.length === 0) break;
    for (const r of rows) {
      checked++;
      firstId ??= r.id;
      const expectedPrev = prev?.hash ?? GENESIS;
      if (r.prev_hash !== expectedPrev && problems.length < maxProblems) {
        const owner = await q.query<{ id: number }>(
          `select id::int as id from ${t} where hash = $1 limit 1`,
          [r.prev_hash],
        );
        if (owner.length && owner[0].id !== r.id) {
          problems.push({
            id: r.id,
            kind: 'reordered',
            message: `第 ${r.id} 行应接在第 ${owner[0].id} 行之后，却排在${prev ? `第 ${prev.id} 行` : '链首'}之后：行的顺序被调换`,
          });
        } else {
          problems.push({
            id: r.id,
            kind: 'deleted',
            message: prev
              ? `第 ${prev.id} 行与第 ${r.id} 行之间断链：其间有行被删除，或第 ${prev.id} 行被改写并重算了哈希`
              : `第 ${r.id} 行之前断链：链首的行被删除`,
          });
        }
      }
      const recomputed = sha256(r.prev_hash + auditRowText(r));
      if (recomputed !== r.hash && problems.length < maxProblems) {
        problems.push({
          id: r.id,
          kind: 'edited',
          message: `第 ${r.id} 行（${r.action}）的内容与其哈希不符：该行被改写`,
        });
      }
      prev = { id: r.id, hash: r.hash };
    }
    cursor = rows[rows.length - 1].id;
  }
  return {
    ok: problems.length === 0,
    checked,
    firstId,
    lastId: prev?.id ?? null,
    lastHash: prev?.hash ?? null,
    problems,
  };
}
