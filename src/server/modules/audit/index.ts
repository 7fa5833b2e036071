export {
  addWatermarkSheet,
  authorizeFullNumberExport,
  ExportReason,
  type ExportWatermark,
  WATERMARK_SHEET,
  watermarkHeaderFooter,
  watermarkKeywords,
  watermarkNotice,
  watermarkWorkbook,
} from './export-guard.js';
export {
  AUDIT_CHAINS,
  type AuditEntry,
  appendAudit,
  auditChainOf,
  auditInStatementSql,
  auditTailExistsSql,
} from './repo.js';
export { verifyAuditChain } from './verify.js';
