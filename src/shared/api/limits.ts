/**
 * Limits the server, the console and the phone all apply, in a module without zod: the phone app
 * imports it at run time and stays light (its schemas are types only there).
 */

/**
 * The limits of a visit record, for the server, the console's form and the phone's form alike (the
 * phone used to accept what the server refused: 10 minutes ahead against 5, durations 1–600 against
 * 0–1440 — a visit stored offline came back refused).
 */
export const VISIT_LIMITS = {
  /** Clock skew tolerated between a phone and the server before a time "in the future" is refused. */
  futureSlackMinutes: 5,
  durationMinutes: { min: 1, max: 600 },
  notesMax: 4000,
  photosMax: 6,
  /** Bytes of one photo after decoding (the phone downscales to ≤ 1600 px JPEG first). */
  photoBytesMax: 5 * 1024 * 1024,
  signatureBytesMax: 1024 * 1024,
  /** All files of one visit together (6 phone photos of ≤ 1600 px and a signature fit easily). */
  filesBytesMax: 15 * 1024 * 1024,
} as const;

/** True when a visit time is further ahead of `now` than the tolerated clock skew. */
export const isAheadOfNow = (at: Date, now: Date) =>
  at.getTime() > now.getTime() + VISIT_LIMITS.futureSlackMinutes * 60_000;

/** The login's limits: the schemas of `api/auth.ts` and the console's zod-free login page share them. */
export const LOGIN_LIMITS = {
  usernameMax: 64,
  passwordMax: 128,
  /** A TOTP code: six digits (RFC 6238 as authenticator apps show it). */
  totpCode: /^\d{6}$/,
} as const;
