import { z } from 'zod';

/** How long the stated purpose of a full-number export may be (the export guard and the forms). */
export const EXPORT_REASON_LIMITS = { min: 4, max: 200 } as const;

/**
 * The stated purpose of an export of full ID numbers and phones (PIPL: purpose stated and recorded);
 * checked by the server's export guard (modules/audit/export-guard.ts) and declared on every export
 * endpoint that takes `reason`.
 */
export const ExportReason = z
  .string()
  .trim()
  .min(EXPORT_REASON_LIMITS.min, `请填写导出用途（至少 ${EXPORT_REASON_LIMITS.min} 个字）`)
  .max(EXPORT_REASON_LIMITS.max, `导出用途不超过 ${EXPORT_REASON_LIMITS.max} 字`);
