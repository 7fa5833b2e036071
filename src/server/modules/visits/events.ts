import type { ChecklistAnswers, VisitMethod, VisitOutcome } from '../../../shared/checklist.js';
import type { Ctx } from '../../context.js';
import type { Queryable } from '../../db/db.js';

/** What a visit-recorded handler receives: the stored visit, as committed with it. */
export interface RecordedVisit {
  id: number;
  clientId: string;
  personId: number;
  /** The visitor who made the contact. */
  visitorId: number;
  townId: number;
  villageId: number;
  /** When the contact happened (not when it was recorded). */
  at: Date;
  method: VisitMethod;
  outcome: VisitOutcome;
  /** Reached the person: only these complete tasks and carry a checklist. */
  qualifying: boolean;
  /** The checklist answers (empty for attempts); read them with the extractors of shared/checklist.ts. */
  answers: ChecklistAnswers;
  notes: string | null;
  /** Ids of the tasks this visit completed. */
  completedTaskIds: number[];
  /** The user who recorded it (usually the visitor; an officer may enter a paper record). */
  recordedBy: number;
}

export type VisitRecordedHandler = (q: Queryable, ctx: Ctx, visit: RecordedVisit) => Promise<void>;

const handlers: { name: string; fn: VisitRecordedHandler }[] = [];

/**
 * Registers a handler called INSIDE the visit's transaction, right after the visit and its task
 * updates are written, once per stored visit (never again for a clientId retry). Use only `q` in it
 * (PGlite has one connection). Throwing rolls the whole visit back and the client gets the error, so
 * throw only for a rule the visit breaks (an AppError with a field), never for a side matter.
 * Registering twice under the same name replaces the handler (module reloads in tests).
 */
export function onVisitRecorded(name: string, fn: VisitRecordedHandler): void;
export function onVisitRecorded(fn: VisitRecordedHandler): void;
export function onVisitRecorded(a: string | VisitRecordedHandler, b?: VisitRecordedHandler): void {
  const name = typeof a === 'string' ? a : `handler${handlers.length}`;
  const fn = typeof a === 'string' ? b! : a;
  const i = handlers.findIndex((h) => h.name === name);
  if (i >= 0) handlers[i] = { name, fn };
  else handlers.push({ name, fn });
}

/** Runs every registered handler in registration order (called by the visits service). */
export async function emitVisitRecorded(q: Queryable, ctx: Ctx, visit: RecordedVisit): Promise<void> {
  for (const h of handlers) await h.fn(q, ctx, visit);
}
