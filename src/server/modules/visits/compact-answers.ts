import type { Ctx } from '../../context.js';
import { rewriteVisitAnswers, visitAnswersBetween, visitIdRange } from './repo.js';
import { answersFromStored, answersToStored } from './stored-answers.js';

/**
 * Puts the answers of visits written whole (before the stored form of stored-answers.ts) into that
 * form, a batch of ids at a time, each batch read and written back in two short statements: the
 * system stays in use, and the command can be stopped and run again at any point (a row already in
 * the stored form is not written again). Reads never need it (either form reads the same); it only
 * gives the space back — about a third of the visits table — after an upgrade.
 * `tanfang db compact-answers`.
 */
export async function compactStoredAnswers(
  ctx: Pick<Ctx, 'db'>,
  o: { batch?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<{ visits: number; compacted: number }> {
  const batch = o.batch ?? 5000;
  const range = await visitIdRange(ctx.db);
  if (!range) return { visits: 0, compacted: 0 };
  // Visits written from now on are in the stored form already: the range is fixed at the start.
  const total = range.last - range.first + 1;
  let compacted = 0;
  for (let from = range.first; from <= range.last; from += batch) {
    const to = Math.min(from + batch, range.last + 1);
    // The rule is answersToStored's (one definition); rows already in its form are not written.
    const rows = await visitAnswersBetween(ctx.db, from, to);
    compacted += await rewriteVisitAnswers(
      ctx.db,
      rows.map((r) => ({ id: r.id, answers: JSON.stringify(answersToStored(answersFromStored(r.answers))) })),
    );
    o.onProgress?.(to - range.first, total);
  }
  return { visits: range.count, compacted };
}
