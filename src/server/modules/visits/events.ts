import type { AuthenticityInput, Signal } from '../../../shared/authenticity.js';
import type { ChecklistAnswers, VisitMethod, VisitOutcome } from '../../../shared/checklist.js';
import type { Ctx } from '../../context.js';
import type { Queryable } from '../../db/db.js';
import type { SettingRow } from '../settings/index.js';

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

/** What a handler decides on before the visit is stored: everything but its id and completed tasks. */
export type VisitFacts = Omit<RecordedVisit, 'id' | 'completedTaskIds'>;

/**
 * Whether a handler has anything to write for this visit, decided from the visit alone (its answers,
 * outcome, person) without a query. The handler runs only when this says yes: a visit for which no
 * handler acts is stored by one statement, without a transaction around it (modules/visits/service.ts).
 */
export type VisitRecordedTest = (visit: VisitFacts) => boolean;

/**
 * Another module's part in recording a visit. `run` is called INSIDE the visit's transaction, right
 * after the visit and its task updates are written, once per stored visit (never again for a
 * clientId retry), when `acts` says it has something to write. Use only `q` in it (PGlite has one
 * connection). Throwing rolls the whole visit back and the client gets the error, so throw only for a
 * rule the visit breaks (an AppError with a field), never for a side matter. Handlers are listed, in
 * the order they run, in modules/registry.ts.
 */
export interface VisitHandler {
  name: string;
  acts: VisitRecordedTest;
  run: VisitRecordedHandler;
}

/** True when some handler will write for this visit (it then needs a transaction). */
export function visitHandlersAct(ctx: Ctx, visit: VisitFacts): boolean {
  return ctx.registry.visitHandlers.some((h) => h.acts(visit));
}

/** Runs, in the registry's order, every handler that acts on this visit (called by the visits service). */
export async function emitVisitRecorded(q: Queryable, ctx: Ctx, visit: RecordedVisit): Promise<void> {
  for (const h of ctx.registry.visitHandlers) if (h.acts(visit)) await h.run(q, ctx, visit);
}

/** What the visit context read tells the authenticity lookups (modules/authenticity/inputs.ts). */
export interface AssessQuery {
  /** SQL expressions of the person's id and the visitor's id in the embedding statement (the
   * visitor's adds its parameters when called: a parameter the text does not use is an error). */
  personExpr: string;
  visitorExpr: () => string;
  at: Date;
  inPerson: boolean;
  hasLocation: boolean;
  photoHashes: string[];
  answersHash: string | null;
  dayStart: Date;
  dayEnd: Date;
  monthStart: Date;
  monthEnd: Date;
}

/**
 * The authenticity signals of a visit (DOMAIN.md §12), computed before it is stored and written by
 * its own insert: `inputsSql` is an SQL expression the visit context read embeds (so a submission
 * runs no extra statement), `assess` runs the rules over what it found with the area's thresholds
 * (`settingKeys`, read with the visit settings). Provided by modules/authenticity through the
 * registry (visits does not import it: authenticity reaches visits' tables and concerns).
 */
export interface VisitAssessor {
  settingKeys: readonly string[];
  inputsSql(params: unknown[], o: AssessQuery): string;
  assess(inputs: unknown, visit: Omit<AuthenticityInput, 'home'>, settings: readonly SettingRow[]): Signal[];
}
