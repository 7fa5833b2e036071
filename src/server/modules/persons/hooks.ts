import type { PersonStatus, SelfCare } from '../../../shared/person.js';
import type { Ctx } from '../../context.js';
import type { Queryable } from '../../db/db.js';

/**
 * Other modules react to what happens to a person file (the schedule cancels open tasks on pause or
 * end, moves them on reassignment, adds a task for a new person…). They register a listener once at
 * the registry (modules/registry.ts); the persons service calls it INSIDE its transaction with the same `q`, so a listener's
 * writes commit or roll back together with the change. Listeners must not use ctx.db (PGlite deadlock).
 */
export interface PersonListener {
  name: string;
  created?(q: Queryable, e: { personIds: number[]; at: Date; actorId: number | null }): Promise<void>;
  statusChanged?(
    q: Queryable,
    e: {
      personId: number;
      from: PersonStatus;
      to: PersonStatus;
      effectiveOn: string;
      until: string | null;
      reason: string | null;
      at: Date;
      actorId: number | null;
    },
  ): Promise<void>;
  reassigned?(
    q: Queryable,
    e: {
      moves: { personId: number; fromVisitorId: number | null }[];
      toVisitorId: number;
      at: Date;
      actorId: number | null;
    },
  ): Promise<void>;
  selfCareChanged?(
    q: Queryable,
    e: {
      personId: number;
      from: SelfCare;
      to: SelfCare;
      effectiveOn: string;
      at: Date;
      actorId: number | null;
    },
  ): Promise<void>;
}

/** Calls every listener (modules/registry.ts, in its order) for a person change, inside `q`'s transaction. */
export async function emitPersonEvent<K extends Exclude<keyof PersonListener, 'name'>>(
  ctx: Ctx,
  kind: K,
  q: Queryable,
  e: Parameters<NonNullable<PersonListener[K]>>[1],
) {
  for (const l of ctx.registry.personListeners) {
    const fn = l[kind] as ((q: Queryable, e: unknown) => Promise<void>) | undefined;
    if (fn) await fn.call(l, q, e);
  }
}
