import { z } from 'zod';

/** A positive integer id in a path or query (coerced from text). */
export const Id = z.coerce.number().int().positive();
/** `{ id }` path parameters. */
export const IdParams = z.object({ id: Id });
/** A calendar date that exists (the one date schema: dates.ts). */
export { DateStr } from './dates.js';
/** A page size: 1–200, default 50. */
export const Limit = z.coerce.number().int().min(1).max(200).default(50);
/** An opaque keyset cursor. */
export const Cursor = z.string().max(200);
/** A page of items with the cursor of the next page (null at the end). */
export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
