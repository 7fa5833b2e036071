import { createHash } from 'node:crypto';
import type { Queryable } from '../../db/db.js';

export interface AuditEntry {
  at: Date;
  actorId: number | null;
  action: string;
  entity: string;
  entityId?: string | number | null;
  areaId?: number | null;
  detail?: Record<string, unknown>;
  ip?: string | null;
}

const GENESIS = '0'.repeat(64);

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

/**
 * Appends one row to the hash chain. Call inside the transaction of the change it describes; the
 * advisory lock orders writers so the chain has no forks.
 */
export async function appendAudit(q: Queryable, e: AuditEntry): Promise<void> {
  await q.query('select pg_advisory_xact_lock(7261002)');
  const last = await q.query<{ hash: string }>('select hash from audit_log order by id desc limit 1');
  const prev = last[0]?.hash ?? GENESIS;
  // Millisecond precision: what PostgreSQL stores is what we hash.
  const at = new Date(Math.floor(e.at.getTime()));
  const row = {
    at,
    actor_id: e.actorId,
    action: e.action,
    entity: e.entity,
    entity_id: e.entityId == null ? null : String(e.entityId),
    area_id: e.areaId ?? null,
    detail: e.detail ?? {},
    ip: e.ip ?? null,
  };
  const hash = sha256(prev + auditRowText(row));
  await q.query(
    `insert into audit_log (at, actor_id, action, entity, entity_id, area_id, detail, ip, prev_hash, hash)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      at,
      row.actor_id,
      row.action,
      row.entity,
      row.entity_id,
      row.area_id,
      JSON.stringify(row.detail),
      row.ip,
      prev,
      hash,
    ],
  );
}
