import type { Queryable } from '../../db/db.js';
import * as repo from './repo.js';
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
  /** Each chain's last row seen (record these elsewhere too). */
  chains: { chain: number; lastId: number; lastHash: string; rows: number }[];
  problems: AuditProblem[];
}

/**
 * Walks the hash chains (the `chain` column) in id order and names every row that was edited (its
 * hash no longer matches its content), follows a deleted row (its prev_hash is no row's hash in its
 * chain's place), or stands out of order (its prev_hash is the hash of a row other than the one before
 * it in its chain). A row moved to another chain breaks both chains. Then each chain's recorded tail
 * (`audit_chain_tails`, read before the walk) must be a row seen with that hash: otherwise rows were
 * cut off the end of the chain, or its end was rewritten with recomputed hashes. Reads in batches:
 * memory stays flat. `from`/`to` check a range of ids (the tails only when the range runs to the end);
 * `table` a copy of the log of the same shape (a copy without tail rows is checked link by link only).
 */
export async function verifyAuditChain(
  q: Queryable,
  opts: { table?: string; from?: number; to?: number; batch?: number; maxProblems?: number } = {},
): Promise<AuditVerifyResult> {
  const t = auditTable(opts.table ?? 'audit_log');
  const batch = opts.batch ?? 5000;
  const maxProblems = opts.maxProblems ?? 100;
  const problems: AuditProblem[] = [];
  const problem = (p: AuditProblem) => {
    if (problems.length < maxProblems) problems.push(p);
  };
  let checked = 0;
  let firstId: number | null = null;
  let last: { id: number; hash: string } | null = null;
  const prevOf = new Map<number, { id: number; hash: string; rows: number }>();
  // Tails first: rows appended during the walk come after them.
  const tails = opts.to == null ? await repo.chainTails(q, t) : [];
  const tailOf = new Map(
    tails.filter((x) => x.last_id != null && x.last_id >= (opts.from ?? 1)).map((x) => [x.chain, x]),
  );
  const tailSeen = new Set<number>();
  if (opts.from && opts.from > 1) {
    // The row before the range in each chain anchors that chain's first link.
    const before = await repo.lastRowsBefore(q, t, opts.from);
    for (const b of before) prevOf.set(b.chain, { id: b.id, hash: b.hash, rows: 0 });
  }
  let cursor = (opts.from ?? 1) - 1;
  for (;;) {
    const rows = await repo.auditRowsAfter(q, t, cursor, batch, opts.to);
    if (rows.length === 0) break;
    for (const r of rows) {
      checked++;
      firstId ??= r.id;
      const prev = prevOf.get(r.chain);
      const expectedPrev = prev?.hash ?? GENESIS;
      const where = r.chain === 0 ? '' : `（第 ${r.chain} 号链）`;
      if (r.prev_hash !== expectedPrev && problems.length < maxProblems) {
        const owner = await repo.rowIdsByHash(q, t, r.prev_hash);
        if (owner.length && owner[0].id !== r.id) {
          problem({
            id: r.id,
            kind: 'reordered',
            message: `第 ${r.id} 行应接在第 ${owner[0].id} 行之后，却排在${prev ? `第 ${prev.id} 行` : '链首'}之后${where}：行的顺序被调换`,
          });
        } else {
          problem({
            id: r.id,
            kind: 'deleted',
            message: prev
              ? `第 ${prev.id} 行与第 ${r.id} 行之间断链${where}：其间有行被删除，或第 ${prev.id} 行被改写并重算了哈希`
              : `第 ${r.id} 行之前断链${where}：链首的行被删除`,
          });
        }
      }
      const recomputed = sha256(r.prev_hash + auditRowText(r));
      if (recomputed !== r.hash) {
        problem({
          id: r.id,
          kind: 'edited',
          message: `第 ${r.id} 行（${r.action}）的内容与其哈希不符：该行被改写`,
        });
      }
      const tail = tailOf.get(r.chain);
      if (tail && tail.last_id === r.id) {
        tailSeen.add(r.chain);
        if (tail.hash !== r.hash)
          problem({
            id: r.id,
            kind: 'edited',
            message: `第 ${r.chain} 号链的链尾第 ${r.id} 行的哈希与链尾记录不符：该链末尾被改写并重算了哈希`,
          });
      }
      prevOf.set(r.chain, { id: r.id, hash: r.hash, rows: (prev?.rows ?? 0) + 1 });
      last = { id: r.id, hash: r.hash };
    }
    cursor = rows[rows.length - 1].id;
  }
  for (const [chain, tail] of tailOf) {
    if (tailSeen.has(chain)) continue;
    const id = tail.last_id as number;
    const at = prevOf.get(chain);
    problem({
      id,
      kind: 'deleted',
      message: `第 ${chain} 号链的链尾应为第 ${id} 行，${at ? `却止于第 ${at.id} 行` : '却没有任何行'}：链末尾的行被删除`,
    });
  }
  return {
    ok: problems.length === 0,
    checked,
    firstId,
    lastId: last?.id ?? null,
    lastHash: last?.hash ?? null,
    chains: [...prevOf.entries()]
      .filter(([, p]) => p.rows > 0)
      .sort(([a], [b]) => a - b)
      .map(([chain, p]) => ({ chain, lastId: p.id, lastHash: p.hash, rows: p.rows })),
    problems,
  };
}
