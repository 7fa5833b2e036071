import type { z } from 'zod';

/**
 * An antd Form rule from a contract schema (src/shared/api): the field is checked by the very schema
 * the server validates with, with its message — the limit is not declared a second time in the form.
 * An empty field passes (say `required` separately, with the form's own wording).
 */
export const schemaRule = (schema: z.ZodType) => ({
  validator: async (_: unknown, value: unknown) => {
    if (value === undefined || value === null || value === '') return;
    const r = schema.safeParse(value);
    if (!r.success) throw new Error(r.error.issues[0]?.message ?? '格式不正确');
  },
});
