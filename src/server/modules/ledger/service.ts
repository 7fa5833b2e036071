import { randomBytes } from 'node:crypto';
import type { Writable } from 'node:stream';
import { AUTHENTICITY_RULE_LABELS, REVIEW_STATE_LABELS } from '../../../shared/authenticity.js';
import {
  CHECKLISTS,
  type ChecklistDefinition,
  checklistColumns,
  checklistFor,
  formatAnswer,
  REQUEST_CATEGORY_LABELS,
  SEASON_LABELS,
  type Season,
  VISIT_METHOD_LABELS,
  VISIT_OUTCOME_LABELS,
  type VisitMethod,
  type VisitOutcome,
} from '../../../shared/checklist.js';
import { chinaDate } from '../../../shared/china-time.js';
import {
  CONCERN_HANDLING_LABELS,
  CONCERN_OWNER_LABELS,
  CONCERN_SOURCE_LABELS,
  CONCERN_STATUS_LABELS,
} from '../../../shared/incidents.js';
import { can } from '../../../shared/roles.js';
import { isPeriod, periodLabel, periodOf, periodWindow } from '../../../shared/schedule.js';
import { type Ctx, replicaDb } from '../../context.js';
import { badRequest, forbidden } from '../../http/errors.js';
import type { Actor } from '../../http/scope.js';
import { prefetchedBatches } from '../../lib/xlsx.js';
import { day, XlsxWriter } from '../../lib/xlsx-writer.js';
import {
  appendAudit,
  authorizeFullNumberExport,
  type ExportWatermark,
  WATERMARK_SHEET,
  watermarkHeaderFooter,
  watermarkKeywords,
  watermarkNotice,
} from '../audit/index.js';
import { resolveSlice } from '../oversight/index.js';
import * as repo from './repo.js';

const BATCH = 2000;
const CREATOR = 'tanfang 探访';

export { XLSX_MIME } from '../../lib/xlsx.js';

export interface LedgerQuery {
  period?: string;
  areaId?: number;
  /** The stated purpose of an export with full ID numbers (export guard); without it, masked. */
  reason?: string;
}

export type LedgerKind = 'visits' | 'concerns';

const LEDGER_TITLE: Record<LedgerKind, string> = { visits: '探访记录台账', concerns: '问题整改台账' };

/** A ledger cleared to stream: its slice, and the watermark when it carries full numbers. */
export interface OpenLedger {
  kind: LedgerKind;
  fileName: string;
  period: string;
  areaName: string;
  slice: repo.LedgerSlice;
  watermark: ExportWatermark | null;
  exportId: string;
}

/**
 * Everything before a ledger's first byte: the slice (an area out of reach answers 404), full ID
 * numbers only with a stated purpose through the export guard (its own audit row), and the ledger's
 * audit row — written here, so a download cut short is on record too. Then `writeLedger` streams.
 */
export async function openLedger(
  ctx: Ctx,
  actor: Actor,
  kind: LedgerKind,
  f: LedgerQuery,
  ip?: string | null,
): Promise<OpenLedger> {
  const { period, areaName, slice } = await ledgerSlice(ctx, actor, f);
  let watermark: ExportWatermark | null = null;
  if (f.reason !== undefined) {
    if (!can(actor.roles, 'persons.sensitive')) throw forbidden('无权导出完整身份证号码');
    watermark = await authorizeFullNumberExport(ctx, actor, {
      what: `ledger.${kind}`,
      reason: f.reason,
      areaId: slice.area?.id ?? null,
      ip,
      filter: { period, areaId: f.areaId ?? null },
    });
  }
  const exportId = watermark?.exportId ?? randomBytes(6).toString('hex');
  await appendAudit(ctx.db, {
    at: ctx.clock.now(),
    actorId: actor.userId,
    action: `ledger.${kind}`,
    entity: 'ledger',
    entityId: exportId,
    areaId: slice.area?.id ?? null,
    detail: { period, fullNumbers: !!watermark },
    ip: ip ?? null,
  });
  return {
    kind,
    fileName: ledgerFileName(LEDGER_TITLE[kind], areaName, period),
    period,
    areaName,
    slice,
    watermark,
    exportId,
  };
}

/** Streams an opened ledger into `out`; returns the rows written. */
export function writeLedger(ctx: Ctx, l: OpenLedger, out: Writable, onRows?: (n: number) => void) {
  return l.kind === 'visits'
    ? writeVisitLedger(ctx, l, out, onRows)
    : writeConcernLedger(ctx, l, out, onRows);
}

/** The workbook of a ledger: watermarked (properties, every printed page, a notice sheet) when full. */
function ledgerWorkbook(ctx: Ctx, l: OpenLedger, out: Writable) {
  const wm = l.watermark;
  return new XlsxWriter(out, {
    creator: wm?.actor ?? CREATOR,
    created: ctx.clock.now(),
    description: wm?.text,
    keywords: wm ? watermarkKeywords(wm) : undefined,
  });
}

function finishWorkbook(xw: XlsxWriter, l: OpenLedger) {
  if (l.watermark) {
    xw.sheet(WATERMARK_SHEET.name, { columns: WATERMARK_SHEET.columns });
    for (const r of watermarkNotice(l.watermark)) xw.row(r);
  }
  return xw.finish();
}

/** The slice of a ledger request: an area the actor may see and the period's window. */
export async function ledgerSlice(ctx: Ctx, actor: Actor, f: LedgerQuery) {
  const period = f.period ?? periodOf(ctx.clock.now(), 'month');
  if (!isPeriod(period)) throw badRequest('期间格式应为 YYYY-MM 或 YYYY-MM-1 / YYYY-MM-2', 'period');
  const s = await resolveSlice(ctx, actor, { areaId: f.areaId });
  const w = periodWindow(period);
  // Above the township, resolveSlice gives the subtree's townships (LedgerSlice.area.townIds).
  const area = s.area;
  return {
    period,
    areaName: s.area?.name ?? '',
    slice: { area, scope: actor.scope, from: w.start, to: w.end } satisfies repo.LedgerSlice,
  };
}

/** Download name: 探访记录台账-罕台镇-2026年3月.xlsx */
export function ledgerFileName(kind: string, areaName: string, period: string) {
  return `${kind}-${areaName}-${periodLabel(period)}.xlsx`;
}

/** Fixed columns of the visit ledger before the checklist's. */
const VISIT_HEAD = [
  { header: '序号', width: 7 },
  { header: '探访时间', width: 20 },
  { header: '镇（街道）', width: 12 },
  { header: '村（社区）', width: 12 },
  { header: '探访对象', width: 10 },
  { header: '身份证号码', width: 20 },
  { header: '探访责任人', width: 10 },
  { header: '探访方式', width: 10 },
  { header: '探访结果', width: 14 },
  { header: '是否有效探访', width: 8 },
  { header: '时长（分钟）', width: 8 },
  { header: '季节检查', width: 10 },
];
const VISIT_TAIL = [
  { header: '照片（张）', width: 8 },
  { header: '签名', width: 6 },
  { header: '备注', width: 24 },
  // Visit authenticity (DOMAIN.md §12): the signals and the town's review.
  { header: '真实性疑点', width: 24 },
  { header: '核查结果', width: 16 },
];

/**
 * Streams the visit ledger (one row per visit, checklist columns from the checklist definition in
 * force for the period) as .xlsx into `out`. Rows come from the database in keyset batches, so the
 * memory stays flat however many visits there are. ID numbers are full only with a watermark.
 */
async function writeVisitLedger(
  ctx: Ctx,
  l: OpenLedger,
  out: Writable,
  onRows?: (n: number) => void,
): Promise<number> {
  const { period, areaName, slice } = l;
  const full = !!l.watermark;
  const def: ChecklistDefinition = checklistFor(periodWindow(period).startDate);
  const cols = checklistColumns(def);
  const xw = ledgerWorkbook(ctx, l, out);
  const head = [...VISIT_HEAD, ...cols.map((c) => ({ header: c.header, width: 16 })), ...VISIT_TAIL];
  // More visits than a sheet holds (1,048,576 rows) continue on '探访记录台账 (2)', … with both head rows.
  xw.sheet(LEDGER_TITLE.visits, {
    columns: head.map((c) => c.width),
    frozen: { xSplit: 5, ySplit: 2 },
    headerFooter: l.watermark ? watermarkHeaderFooter(l.watermark) : undefined,
    head: [
      { values: [`${areaName} 探访记录台账（${periodLabel(period)}）`], style: 'title' },
      { values: head.map((c) => c.header), style: 'header' },
    ],
  });
  const byVersion = new Map<number, Map<string, ChecklistDefinition['sections'][number]['items'][number]>>();
  const itemsOf = (version: number) => {
    let m = byVersion.get(version);
    if (!m) {
      const own = version === def.version ? def : CHECKLISTS.find((c) => c.version === version);
      m = new Map(own ? checklistColumns(own).map((c) => [c.key, c.item]) : []);
      byVersion.set(version, m);
    }
    return m;
  };
  let n = 0;
  const batches = prefetchedBatches(
    (after: { at: Date; id: number } | null) => repo.visitBatch(replicaDb(ctx), slice, after, BATCH),
    (last) => ({ at: last.at, id: last.id }),
    BATCH,
  );
  for await (const rows of batches) {
    for (const r of rows) {
      // A visit keeps the checklist version it was recorded with; columns follow the period's.
      const items = itemsOf(r.checklist_version);
      const answers = r.answers ?? {};
      xw.row([
        ++n,
        new Date(r.at),
        r.town_name,
        r.village_name,
        r.person_name,
        full ? ctx.fields.decrypt(r.id_number_enc) : r.id_number_masked,
        r.visitor_name,
        VISIT_METHOD_LABELS[r.method as VisitMethod] ?? r.method,
        VISIT_OUTCOME_LABELS[r.outcome as VisitOutcome] ?? r.outcome,
        r.qualifying ? '是' : '否',
        r.duration_minutes ?? '',
        (r.seasons ?? []).map((s) => SEASON_LABELS[s as Season] ?? s).join('、'),
        ...cols.map((c) => {
          const item = items.get(c.key);
          return item ? formatAnswer(item, answers[c.section.key]?.[c.item.key]) : '';
        }),
        r.photo_count,
        r.has_signature ? '有' : '',
        r.notes ?? '',
        (r.signals ?? []).map((x) => AUTHENTICITY_RULE_LABELS[x.rule] ?? x.rule).join('、'),
        r.review_state
          ? `${REVIEW_STATE_LABELS[r.review_state]}${r.review_note ? `：${r.review_note}` : ''}`
          : '',
      ]);
    }
    onRows?.(n);
    await xw.flush();
  }
  await finishWorkbook(xw, l);
  return n;
}

const CONCERN_HEAD = [
  { header: '序号', width: 7 },
  { header: '登记时间', width: 20 },
  { header: '镇（街道）', width: 12 },
  { header: '村（社区）', width: 12 },
  { header: '对象姓名', width: 10 },
  { header: '身份证号码', width: 20 },
  { header: '诉求类别', width: 10 },
  { header: '问题描述', width: 30 },
  { header: '来源', width: 12 },
  { header: '责任主体', width: 8 },
  { header: '办理方式', width: 10 },
  { header: '办理期限', width: 15 },
  { header: '状态', width: 12 },
  { header: '是否超期', width: 8 },
  { header: '办结时间', width: 20 },
  { header: '办理结果', width: 24 },
  { header: '核验时间', width: 20 },
  { header: '重新整改次数', width: 8 },
  { header: '督导意见', width: 24 },
];

/**
 * Streams the problem ledger (问题整改台账): concerns raised in the period or still unresolved in it,
 * with deadline, state and whether overdue; keyset batches, masked per role, audited.
 */
async function writeConcernLedger(
  ctx: Ctx,
  l: OpenLedger,
  out: Writable,
  onRows?: (n: number) => void,
): Promise<number> {
  const { period, areaName, slice } = l;
  const full = !!l.watermark;
  const today = chinaDate(ctx.clock.now());
  const xw = ledgerWorkbook(ctx, l, out);
  xw.sheet(LEDGER_TITLE.concerns, {
    columns: CONCERN_HEAD.map((c) => c.width),
    frozen: { xSplit: 5, ySplit: 2 },
    headerFooter: l.watermark ? watermarkHeaderFooter(l.watermark) : undefined,
    head: [
      { values: [`${areaName} 服务诉求与问题整改台账（${periodLabel(period)}）`], style: 'title' },
      { values: CONCERN_HEAD.map((c) => c.header), style: 'header' },
    ],
  });
  const lbl = (m: Record<string, string>, k: string) => m[k] ?? k;
  let n = 0;
  const batches = prefetchedBatches(
    (after: number | null) => repo.concernBatch(replicaDb(ctx), slice, after ?? 0, BATCH),
    (last) => last.id,
    BATCH,
  );
  for await (const rows of batches) {
    for (const r of rows) {
      const open = r.status === 'open' || r.status === 'in_progress';
      const resolvedDay = r.resolved_at ? chinaDate(new Date(r.resolved_at)) : null;
      const overdue = !!r.deadline && (open ? r.deadline < today : !!resolvedDay && resolvedDay > r.deadline);
      xw.row([
        ++n,
        new Date(r.created_at),
        r.town_name,
        r.village_name,
        r.person_name,
        full ? ctx.fields.decrypt(r.id_number_enc) : r.id_number_masked,
        lbl(REQUEST_CATEGORY_LABELS, r.category),
        r.description,
        lbl(CONCERN_SOURCE_LABELS, r.source),
        lbl(CONCERN_OWNER_LABELS, r.owner),
        lbl(CONCERN_HANDLING_LABELS, r.handling),
        r.deadline ? day(r.deadline) : '',
        lbl(CONCERN_STATUS_LABELS, r.status),
        overdue ? '是' : '否',
        r.resolved_at ? new Date(r.resolved_at) : '',
        r.resolution ?? '',
        r.verified_at ? new Date(r.verified_at) : '',
        r.reopened_count,
        r.supervision ?? '',
      ]);
    }
    onRows?.(n);
    await xw.flush();
  }
  await finishWorkbook(xw, l);
  return n;
}
