import { z } from 'zod';

/** A positive integer id in a path or query (coerced from text). */
export const Id = z.coerce.number().int().positive();
/** `{ id }` path parameters. */
export const IdParams = z.object({ id: Id });
/** A calendar date 'YYYY-MM-DD' that exists (not 2026-13-01, not 2026-02-30). */
export const DateStr = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式应为 YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s && s >= '1900-01-01';
  }, '日期不存在');
/** A page size: 1–200, default 50. */
export const Limit = z.coerce.number().int().min(1).max(200).default(50);
/** An opaque keyset cursor. */
export const Cursor = z.string().max(200);
/** A page of items with the cursor of the next page (null at the end). */
export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
