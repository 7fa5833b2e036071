import { z } from 'zod';

/**
 * Limits of the spreadsheet imports (roster, disbursement list), shared by the routes and the console
 * pages that explain them. An import's answer does not grow with the file: it lists the first
 * `REJECTED_SHOWN` rejected rows and counts all of them; every rejected row is in the bad-rows .xlsx
 * (`badRowsToken`).
 */
export const UPLOAD_LIMITS = {
  /** Roster .xlsx upload, bytes. */
  rosterBytes: 20 * 1024 * 1024,
  /** Disbursement list .xlsx upload, bytes. */
  paymentsBytes: 10 * 1024 * 1024,
  /** Highest sheet row number an import reads (header and title rows included). */
  rows: 200_000,
  /** Rejected rows listed in an import's answer. */
  rejectedShown: 100,
} as const;

/** One rejected row of an import: its number in the sheet, the column and the reason (Chinese). */
export const RejectedRow = z.object({ row: z.number(), column: z.string(), message: z.string() });

/** What an import answers about the rows it did not take. */
export const ImportRejections = z.object({
  /** The first `UPLOAD_LIMITS.rejectedShown` rejected rows, in sheet order. */
  rejected: z.array(RejectedRow),
  /** How many rows were rejected in all. */
  rejectedCount: z.number(),
  /** Download token of every rejected row as .xlsx (rows as in the file plus a reason column). */
  badRowsToken: z.string().nullable(),
});
