import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { type SignalFileResult, type SignalImportResult, SignalInput } from '../../../shared/api/signals.js';
import {
  SIGNAL_TYPE_LABELS,
  SIGNAL_TYPES,
  type SignalType,
  WEATHER_KIND_LABELS,
  WEATHER_KINDS,
} from '../../../shared/signals.js';
import { FORMULA_TEXT_MESSAGE, looksLikeFormula } from '../../../shared/spreadsheet-text.js';
import type { Ctx } from '../../context.js';
import { AppError, badRequest, conflict, notFound } from '../../http/errors.js';
import type { Actor } from '../../http/scope.js';
import { scratchPath } from '../../http/uploads.js';
import { SheetRows } from '../../lib/sheet-rows.js';
import { assertXlsxFile, cellValue } from '../../lib/xlsx.js';
import { accountState, auditMachine } from './machine-auth.js';
import * as repo from './repo.js';
import { type SubmitOptions, submitInBatches } from './service.js';

/** A department's file of signals: at most this many data rows (5 batches of the JSON door's 1,000). */
export const SIGNAL_FILE_LIMITS = { bytes: 5 * 1024 * 1024, rows: 5000, shown: 100 } as const;

/** Column names as departments write them (first match wins), to the signal's fields. */
const COLUMNS: Record<string, readonly string[]> = {
  key: ['幂等键', '预警编码', '记录编号', '流水号', 'key'],
  type: ['预警类型', '类型', 'type'],
  occurredAt: ['发生时间', '预警时间', '时间', 'occurredAt'],
  idNumber: ['身份证号码', '身份证号', '证件号码', 'idNumber'],
  source: ['来源', '报送单位', 'source'],
  description: ['说明', '内容', '预警内容', 'description'],
  areaCodes: ['区域代码', '行政区划代码', 'areaCodes'],
  weatherKind: ['预警种类', '天气', 'weatherKind'],
  warningId: ['预警编号', 'warningId'],
  deadline: ['截止日期', 'deadline'],
};

const byLabel = (labels: Record<string, string>, codes: readonly string[], v: string) =>
  codes.find((c) => c === v || labels[c] === v || labels[c]?.startsWith(v)) ?? v;

/** A cell as text; dates stay Dates. A formula-looking text is refused like the other imports. */
function text(v: unknown): string {
  const x = cellValue(v);
  if (x == null) return '';
  if (x instanceof Date) return x.toISOString();
  return String(x)
    .replace(/\u00a0/g, ' ')
    .trim();
}

/** 'YYYY-MM-DD HH:mm[:ss]' (China time), ISO 8601, or an Excel date cell → ISO 8601. */
function toInstant(v: unknown): string {
  const x = cellValue(v);
  if (x instanceof Date) {
    // exceljs reads a date cell as that wall-clock time in UTC: it was China time.
    return new Date(x.getTime() - 8 * 3600000).toISOString();
  }
  const s = text(x).replace(/\//g, '-');
  const m = /^(\d{4}-\d{1,2}-\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
  if (m) {
    const [y, mo, d] = m[1].split('-').map((n) => n.padStart(2, '0'));
    const t = `${(m[2] ?? '0').padStart(2, '0')}:${m[3] ?? '00'}:${m[4] ?? '00'}`;
    return `${y}-${mo}-${d}T${t}+08:00`;
  }
  return s;
}

/** CSV (RFC 4180: quotes, doubled quotes, CRLF) in UTF-8 (with or without BOM) or GB18030 (Excel's 中文 CSV). */
export function parseCsv(buf: Buffer): string[][] {
  let s: string;
  try {
    s = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    s = new TextDecoder('gb18030').decode(buf);
  }
  if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quoted) {
      if (ch === '"') {
        if (s[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += ch;
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && s[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      if (rows.length > SIGNAL_FILE_LIMITS.rows + 10)
        throw badRequest(`文件超过 ${SIGNAL_FILE_LIMITS.rows} 行，请拆分后分批上传`, 'file');
    } else cell += ch;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

export interface ImportRejection {
  row: number;
  column: string;
  message: string;
}

/**
 * A department's .xlsx or .csv of signals, uploaded by an officer for the department's service account:
 * each row becomes a signal through the same submission as the signed door (the account's area and
 * permissions hold; a row without a key gets one from the file's hash and its row number, so the
 * same file uploaded twice is the same signals). Rows that are not a signal are rejected with the
 * column and the reason; nothing of them is stored.
 */
export async function importSignals(
  ctx: Ctx,
  actor: Actor,
  o: { accountId: number; path: string; filename: string },
) {
  const a = await repo.getAccount(ctx.db, o.accountId, actor.scope);
  if (!a) throw notFound('服务账号');
  if (accountState(a, ctx.clock.now()) !== 'active') throw conflict('该服务账号已吊销或过期', 'accountId');
  const content = await readFile(o.path);
  const parsed = await parseSignalFile(content, o.path, o.filename);
  return submitParsed(ctx, a, parsed, { uploadedBy: actor.userId });
}

/**
 * The machine door for files (`POST /api/signals/file`): the department's system sends the .xlsx or
 * .csv itself as the signed request body. Read as an officer's upload is (same columns, limits and
 * keys), stored under the account; its answer is kept by the file's sha256 (`signal_files`), so the
 * same file sent again stores nothing new and answers what it answered then (`repeated: true`).
 * Every call is audited under the account, the repeat too.
 */
export async function importMachineFile(
  ctx: Ctx,
  a: repo.AccountRow,
  o: { content: Buffer; filename: string | null },
): Promise<SignalFileResult> {
  const sha256 = createHash('sha256').update(o.content).digest('hex');
  const file = { sha256, name: o.filename, bytes: o.content.length };
  const seen = await repo.fileReceipt(ctx.db, a.id, sha256);
  if (seen) {
    await auditMachine(ctx.db, a, 'signals.submit', ctx.clock.now(), {
      file: sha256,
      filename: o.filename,
      repeated: true,
      receiptId: Number(seen.id),
    });
    return {
      ...(seen.result as SignalImportResult),
      file,
      repeated: true,
      receivedAt: seen.received_at.toISOString(),
    };
  }
  // The sheet worker reads a path: an .xlsx goes to this process's scratch folder for the parse.
  const isXlsx = o.content.subarray(0, 2).toString('latin1') === 'PK';
  const path = isXlsx ? await scratchPath('.xlsx') : null;
  try {
    if (path) await writeFile(path, o.content, { mode: 0o600 });
    const parsed = await parseSignalFile(o.content, path, o.filename ?? '');
    const result = await submitParsed(ctx, a, parsed, { file: sha256 });
    const now = ctx.clock.now();
    const kept = await repo.keepFileReceipt(ctx.db, {
      accountId: a.id,
      sha256,
      filename: o.filename,
      bytes: o.content.length,
      at: now,
      result,
    });
    await auditMachine(ctx.db, a, 'signals.submit', now, {
      file: sha256,
      filename: o.filename,
      rows: result.rows,
      rejected: result.rejectedCount,
      statuses: result.counts,
      receiptId: Number(kept.id),
    });
    return {
      ...(kept.result as SignalImportResult),
      file,
      // Two sends of one file at once: the other kept its answer first; this one stored nothing new either.
      repeated: kept.received_at.getTime() !== now.getTime(),
      receivedAt: kept.received_at.toISOString(),
    };
  } finally {
    if (path) await rm(path, { force: true });
  }
}

interface ParsedFile {
  rows: number;
  items: SignalInput[];
  rejected: ImportRejection[];
}

/** Reads a file of signals: the header row, each row to a `SignalInput` or a rejection (row, column, why). */
async function parseSignalFile(content: Buffer, path: string | null, filename: string): Promise<ParsedFile> {
  const fileKey = createHash('sha256').update(content).digest('hex').slice(0, 12);
  const isXlsx = content.subarray(0, 2).toString('latin1') === 'PK';
  let rows: { number: number; values: unknown[] }[] = [];
  if (isXlsx && path) {
    await assertXlsxFile(path, '请上传 .xlsx 或 .csv 文件');
    try {
      for await (const batch of new SheetRows(path, { maxRows: SIGNAL_FILE_LIMITS.rows + 10 }))
        rows.push(...batch.map((r) => ({ number: r.number, values: r.values.slice(1) })));
    } catch (e) {
      // A damaged zip is the sender's file, not the server's fault (it was a 500 for the officer too).
      if (e instanceof AppError) throw e;
      throw badRequest(
        `无法读取该 Excel 文件（${(e as Error).message.slice(0, 100)}），请确认是 .xlsx 格式且未损坏`,
        'file',
      );
    }
  } else if (!isXlsx && (/\.csv$/i.test(filename) || !content.includes(0))) {
    rows = parseCsv(content).map((values, i) => ({ number: i + 1, values }));
  } else throw badRequest('请上传 .xlsx 或 .csv 文件', 'file');

  const headerAt = rows.findIndex((r, i) => i < 10 && r.values.some((v) => COLUMNS.type.includes(text(v))));
  if (headerAt < 0) throw badRequest('找不到表头：须有“预警类型”列（前 10 行内）', 'file');
  const header = rows[headerAt].values.map(text);
  const col: Partial<Record<keyof typeof COLUMNS, number>> = {};
  for (const [field, names] of Object.entries(COLUMNS)) {
    const i = header.findIndex((h) => names.includes(h));
    if (i >= 0) col[field as keyof typeof COLUMNS] = i;
  }
  const data = rows.slice(headerAt + 1).filter((r) => r.values.some((v) => text(v) !== ''));
  if (data.length > SIGNAL_FILE_LIMITS.rows)
    throw badRequest(`文件超过 ${SIGNAL_FILE_LIMITS.rows} 行，请拆分后分批上传`, 'file');

  const rejected: ImportRejection[] = [];
  const items: SignalInput[] = [];
  for (const r of data) {
    const get = (f: keyof typeof COLUMNS) => (col[f] === undefined ? '' : text(r.values[col[f]!]));
    const formula = Object.keys(COLUMNS).find((f) => looksLikeFormula(get(f as keyof typeof COLUMNS)));
    if (formula) {
      rejected.push({ row: r.number, column: COLUMNS[formula][0], message: FORMULA_TEXT_MESSAGE });
      continue;
    }
    const areaText = get('areaCodes');
    const candidate = {
      key: get('key') || `f${fileKey}:${r.number}`,
      type: byLabel(SIGNAL_TYPE_LABELS, SIGNAL_TYPES, get('type')) as SignalType,
      occurredAt:
        col.occurredAt === undefined ? new Date().toISOString() : toInstant(r.values[col.occurredAt]),
      idNumber: get('idNumber') || undefined,
      source: get('source') || undefined,
      description: get('description') || undefined,
      areaCodes: areaText ? areaText.split(/[,，、;；\s]+/).filter(Boolean) : undefined,
      weatherKind: get('weatherKind')
        ? (byLabel(WEATHER_KIND_LABELS, WEATHER_KINDS, get('weatherKind')) as never)
        : undefined,
      warningId: get('warningId') || undefined,
      deadline:
        col.deadline === undefined || !get('deadline')
          ? undefined
          : toInstant(r.values[col.deadline]).slice(0, 10),
    };
    const parsed = SignalInput.safeParse(candidate);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = String(issue.path[0] ?? 'type') as keyof typeof COLUMNS;
      rejected.push({ row: r.number, column: COLUMNS[field]?.[0] ?? field, message: issue.message });
      continue;
    }
    if (items.some((x) => x.key === parsed.data.key)) {
      rejected.push({ row: r.number, column: COLUMNS.key[0], message: '幂等键与前面的行重复' });
      continue;
    }
    items.push(parsed.data);
  }
  return { rows: data.length, items, rejected };
}

/** Submits a parsed file's signals (all checked before any is stored) and answers the per-signal report. */
async function submitParsed(
  ctx: Ctx,
  a: repo.AccountRow,
  f: ParsedFile,
  opts: SubmitOptions,
): Promise<SignalImportResult> {
  const results = f.items.length ? await submitInBatches(ctx, a, f.items, opts) : [];
  const counts: Record<string, number> = {};
  for (const x of results) counts[x.status] = (counts[x.status] ?? 0) + 1;
  return {
    account: { id: a.id, name: a.name },
    rows: f.rows,
    counts,
    results: results.slice(0, SIGNAL_FILE_LIMITS.shown),
    rejected: f.rejected.slice(0, SIGNAL_FILE_LIMITS.shown),
    rejectedCount: f.rejected.length,
  };
}
