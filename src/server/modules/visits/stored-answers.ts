import type { ChecklistAnswers, ItemAnswer } from '../../../shared/checklist.js';

/**
 * The checklist answers as the visits table keeps them (`visits.answers`). An answer that is only a
 * value — nearly every answer: `{"value": "good"}` — is kept as the value itself (`"good"`); an answer
 * with anything more (a note) is kept whole, and so is an answer that SQL reads (`KEPT_WHOLE`). A
 * value is never a JSON object (a string, a number, an array or null), so an object in the stored
 * form is always a whole answer and the two read back without a doubt; rows written whole (before
 * this form, or not yet compacted by `tanfang db compact-answers`) read back unchanged.
 *
 * Why: the answers are most of a visit's row. Whole, an ordinary visit's answers took 1,296 bytes of
 * jsonb (1,444 for the row); kept this way, 784 (932). The rows stay under PostgreSQL's 2 kB TOAST
 * threshold either way, so it never compresses them: at 1,000,000 persons and 12 months the visits
 * table with its indexes went from 26.7 to 18.3 GB, and the month's ledger, every index build and
 * the bench's generation read and write that much less.
 *
 * Rows written whole before it are put into this form by `compact-answers.ts` with these functions.
 */
declare const storedForm: unique symbol;
/**
 * Opaque on purpose: what SQL returns for `visits.answers`. Nothing reads an answer from it; only
 * `answersFromStored` / `withAnswers` turn it into `ChecklistAnswers`, so a reader that skips the
 * converter does not compile (a compact answer read as whole is silently null — the caregiver
 * reviews' visit observations were empty that way).
 */
export type StoredAnswers = { readonly [storedForm]: 'visits.answers as stored' };

/**
 * Answers read by SQL, kept whole so that SQL finds them where it always did: M.policyAware feeds the
 * generated column `visits.policy_aware` (migration 014, `answers #>> '{M,policyAware,value}'`), which
 * the dashboards count from their index. Kept whole, neither the column nor its index changes, and
 * nothing has to rewrite the table.
 */
export const KEPT_WHOLE: Readonly<Record<string, readonly string[]>> = { M: ['policyAware'] };

const keptWhole = (section: string, key: string) =>
  Object.hasOwn(KEPT_WHOLE, section) && KEPT_WHOLE[section].includes(key);

const isWhole = (x: unknown): x is Record<string, unknown> =>
  x !== null && typeof x === 'object' && !Array.isArray(x);

/** The stored form of validated answers. */
export function answersToStored(a: ChecklistAnswers): StoredAnswers {
  // Object.fromEntries: an own property for every key, "__proto__" included.
  return Object.fromEntries(
    Object.entries(a)
      .filter(([, items]) => isWhole(items))
      .map(([section, items]) => [
        section,
        Object.fromEntries(
          Object.entries(items as Record<string, ItemAnswer>)
            .filter(([, answer]) => answer !== undefined)
            .map(([key, answer]) => [
              key,
              isOnlyValue(answer) && !keptWhole(section, key) ? answer.value : answer,
            ]),
        ),
      ]),
  ) as unknown as StoredAnswers;
}

function isOnlyValue(a: ItemAnswer): boolean {
  if (!isWhole(a) || !('value' in a) || isWhole(a.value)) return false;
  for (const k in a) if (k !== 'value' && a[k as keyof ItemAnswer] !== undefined) return false;
  return true;
}

/** Answers as read from `visits.answers` (either form), whole again. */
export function answersFromStored(stored: StoredAnswers | null | undefined): ChecklistAnswers {
  if (!isWhole(stored)) return {};
  return Object.fromEntries(
    Object.entries(stored)
      .filter(([, items]) => isWhole(items))
      .map(([section, items]) => [
        section,
        Object.fromEntries(
          Object.entries(items as Record<string, unknown>).map(([key, answer]) => [
            key,
            isWhole(answer) ? answer : { value: answer },
          ]),
        ),
      ]),
  ) as ChecklistAnswers;
}

/** A row as read, with its answers whole. */
export type WithAnswers<T extends { answers: StoredAnswers | null }> = Omit<T, 'answers'> & {
  answers: ChecklistAnswers;
};

/** Rows read with an `answers` column (typed `StoredAnswers`), their answers whole again (in place). */
export function withAnswers<T extends { answers: StoredAnswers | null }>(rows: T[]): WithAnswers<T>[] {
  for (const r of rows as { answers: unknown }[]) r.answers = answersFromStored(r.answers as StoredAnswers);
  return rows as unknown as WithAnswers<T>[];
}
