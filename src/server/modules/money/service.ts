import { UPLOAD_LIMITS } from '../../../shared/api/uploads.js';
import { addMonths, PAYMENT_KIND_LABELS, type PaymentKind } from '../../../shared/care.js';
import { moneyReceivedOf } from '../../../shared/checklist.js';
import { chinaDate, chinaMonth, daysInMonth } from '../../../shared/china-time.js';
import { normalizeIdNumber, parseIdNumber } from '../../../shared/id-card.js';
import { can } from '../../../shared/roles.js';
import { headerMatcher, parseRosterDate, toHalfWidth } from '../../../shared/roster.js';
import { FORMULA_TEXT_MESSAGE, looksLikeFormula } from '../../../shared/spreadsheet-text.js';
import type { Ctx } from '../../context.js';
import type { Queryable } from '../../db/db.js';
import { AppError, badRequest, forbidden, notFound } from '../../http/errors.js';
import { type Actor, inScope } from '../../http/scope.js';
import { type SheetRow, SheetRows } from '../../lib/sheet-rows.js';
import ExcelJS, {
  assertXlsxFile,
  cellValue,
  cellText as plainCellText,
  printLayout,
} from '../../lib/xlsx.js';
import { getArea } from '../areas/index.js';
import { appendAudit } from '../audit/index.js';
import { careSettings } from '../care/index.js';
import * as persons from '../persons/index.js';
import { insertPersonEvent } from '../persons/index.js';
import { Rejections } from '../transfers/index.js';
import { raiseMoneyConcern } from './concern.js';
import * as repo from './repo.js';

const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;
const monthBounds = (month: string) => {
  const [y, m] = month.split('-').map(Number);
  return { start: `${month}-01`, end: `${month}-${String(daysInMonth(y, m)).padStart(2, '0')}` };
};

export interface GridCell {
  due: number;
  paid: number;
  paidOn: string | null;
  /** False when no row is stored and `due` is the expected amount (allowance setting, agreement fee). */
  recorded: boolean;
}

/** The payments grid of an area and month: one line per person, allowance and care fee due and paid. */
export async function paymentGrid(ctx: Ctx, actor: Actor, f: { areaId: number; month: string }) {
  if (!can(actor.roles, 'money.read')) throw forbidden('无权查看资金发放');
  if (!MONTH_RE.test(f.month)) throw badRequest('月份格式应为 YYYY-MM', 'month');
  if (!inScope(actor.scope, f.areaId)) throw notFound('辖区');
  const area = await getArea(ctx.db, f.areaId);
  if (!area) throw notFound('辖区');
  const b = monthBounds(f.month);
  const rows = await repo.paymentGrid(ctx.db, actor.scope, { ...f, monthStart: b.start, monthEnd: b.end });
  const allowanceByVillage = new Map<number, number>();
  for (const v of new Set(rows.map((r) => r.village_id))) {
    allowanceByVillage.set(v, (await careSettings(ctx.db, v))['money.allowance']);
  }
  const items = rows.map((r) => {
    const cell = (kind: PaymentKind, expected: number): GridCell => {
      const p = r.payments.find((x) => x.kind === kind);
      return p
        ? { due: Number(p.amount_due), paid: Number(p.amount_paid), paidOn: p.paid_on, recorded: true }
        : { due: expected, paid: 0, paidOn: null, recorded: false };
    };
    const allowance = cell('allowance', allowanceByVillage.get(r.village_id) ?? 0);
    const careFee = cell('care_fee', r.agreement_fee ?? 0);
    const due = allowance.due + careFee.due;
    const paid = allowance.paid + careFee.paid;
    const state: 'paid' | 'partial' | 'unpaid' =
      paid <= 0 ? 'unpaid' : paid + 0.005 >= due ? 'paid' : 'partial';
    return {
      personId: r.id,
      name: r.name,
      idNumberMasked: r.id_number_masked,
      selfCare: r.self_care,
      status: r.status,
      townName: r.town_name,
      villageName: r.village_name,
      allowance,
      careFee,
      state,
    };
  });
  const sum = (k: 'allowance' | 'careFee', f2: 'due' | 'paid') => items.reduce((a, i) => a + i[k][f2], 0);
  return {
    areaId: f.areaId,
    areaName: area.name,
    month: f.month,
    items,
    totals: {
      persons: items.length,
      allowanceDue: sum('allowance', 'due'),
      allowancePaid: sum('allowance', 'paid'),
      careFeeDue: sum('careFee', 'due'),
      careFeePaid: sum('careFee', 'paid'),
      unpaid: items.filter((i) => i.state === 'unpaid').length,
      partial: items.filter((i) => i.state === 'partial').length,
    },
  };
}

/** A person's payments over the last `months` months (for the person page). */
export async function personPayments(ctx: Ctx, actor: Actor, personId: number, months: number) {
  if (!can(actor.roles, 'money.read')) throw forbidden('无权查看资金发放');
  const from = addMonths(chinaMonth(ctx.clock.now()), -(months - 1));
  return repo.personPayments(ctx.db, actor.scope, personId, from);
}

/** Records one payment by hand. */
export async function recordPayment(
  ctx: Ctx,
  actor: Actor,
  input: {
    personId: number;
    month: string;
    kind: PaymentKind;
    amountDue: number;
    amountPaid: number;
    paidOn?: string | null;
  },
) {
  if (!can(actor.roles, 'money.write')) throw forbidden('无权登记资金发放');
  if (input.amountDue < 0) throw badRequest('应发金额不能为负数', 'amountDue');
  if (input.amountPaid < 0) throw badRequest('实发金额不能为负数', 'amountPaid');
  const now = ctx.clock.now();
  if (input.month > chinaMonth(now)) throw badRequest('不能登记未来月份的发放', 'month');
  if (input.paidOn && input.paidOn > chinaDate(now)) throw badRequest('发放日期不能晚于今天', 'paidOn');
  await ctx.db.tx(async (q) => {
    const p = await persons.getPersonInScope(q, actor.scope, input.personId);
    if (!p) throw notFound('特困人员');
    await repo.upsertPayment(q, {
      ...input,
      paidOn: input.paidOn ?? null,
      source: 'manual',
      by: actor.userId,
      now,
    });
    await insertPersonEvent(q, {
      personId: p.id,
      at: now,
      kind: 'money.payment',
      title: `${input.month} ${PAYMENT_KIND_LABELS[input.kind]}：应发 ${input.amountDue.toFixed(2)} 元，实发 ${input.amountPaid.toFixed(2)} 元`,
      actorId: actor.userId,
      refEntity: 'payment',
      refId: `${input.month}:${input.kind}`,
    });
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'payment.record',
      entity: 'payment',
      entityId: `${p.id}:${input.month}:${input.kind}`,
      areaId: p.village_id,
      detail: { ...input },
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Import of the monthly disbursement list (.xlsx)

const COLUMNS = [
  { key: 'name', label: '姓名', aliases: ['供养对象姓名', '特困人员姓名', '户主姓名'] },
  { key: 'idNumber', label: '身份证号码', aliases: ['身份证号', '公民身份号码', '身份证', '证件号码'] },
  { key: 'month', label: '发放月份', aliases: ['月份', '所属月份', '发放年月'] },
  {
    key: 'allowanceDue',
    label: '基本生活费应发',
    aliases: ['应发基本生活费', '供养金应发', '基本生活费（应发）'],
  },
  {
    key: 'allowancePaid',
    label: '基本生活费实发',
    aliases: ['实发基本生活费', '基本生活费', '供养金', '供养金实发', '基本生活费（实发）'],
  },
  { key: 'careDue', label: '护理费应发', aliases: ['照料护理费应发', '应发护理费', '护理费（应发）'] },
  {
    key: 'carePaid',
    label: '护理费实发',
    aliases: ['照料护理费实发', '实发护理费', '护理费', '照料护理费', '护理费（实发）'],
  },
  { key: 'paidOn', label: '发放日期', aliases: ['发放时间', '到账日期', '打卡日期'] },
] as const;
type ColKey = (typeof COLUMNS)[number]['key'];
const matchHeader = headerMatcher(COLUMNS);
const LABEL = Object.fromEntries(COLUMNS.map((c) => [c.key, c.label])) as Record<ColKey, string>;

/** Cell text with full-width digits and letters made half-width (amounts and ID numbers). */
const cellText = (v: unknown) => toHalfWidth(plainCellText(v));

class RowError extends Error {
  constructor(
    readonly column: ColKey,
    message: string,
  ) {
    super(message);
  }
}

export interface PaymentImportResult {
  dryRun: boolean;
  total: number;
  created: number;
  updated: number;
  /** The first `UPLOAD_LIMITS.rejectedShown` rejected rows, in sheet order. */
  rejected: { row: number; column: string; message: string }[];
  rejectedCount: number;
  /** Every rejected row as .xlsx (transfers; owner only). */
  badRowsToken: string | null;
}

function parseAmount(v: unknown, col: ColKey): number | null {
  const x = cellValue(v);
  if (x == null || (typeof x === 'string' && x.trim() === '')) return null;
  const n = typeof x === 'number' ? x : Number(toHalfWidth(String(x)).replace(/[,，元¥￥\s]/g, ''));
  if (!Number.isFinite(n)) throw new RowError(col, `「${String(x)}」不是金额`);
  if (n < 0) throw new RowError(col, `金额不能为负数（${n}）`);
  if (n > 100000) throw new RowError(col, `金额 ${n} 超出合理范围`);
  return Math.round(n * 100) / 100;
}

function parseMonth(v: unknown): string {
  const x = cellValue(v);
  if (x instanceof Date) return x.toISOString().slice(0, 7);
  const s = toHalfWidth(String(x ?? '')).replace(/\s/g, '');
  if (!s) throw new RowError('month', '发放月份为空');
  let m = s.match(/^(\d{4})[-/.年](\d{1,2})月?(份)?$/);
  if (!m) m = s.match(/^(\d{4})(\d{2})$/);
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12) return `${m[1]}-${m[2].padStart(2, '0')}`;
  const d = parseRosterDate(x);
  if (d) return d.slice(0, 7);
  throw new RowError('month', `「${s}」不是有效的月份（如 2026-03 或 2026年3月）`);
}

/**
 * Imports a disbursement list: finds the header row among the first rows, validates every data row
 * (person by ID number, in the actor's area, name matching; month; amounts not negative), then writes
 * allowance and care-fee rows (a re-import updates). Valid rows are imported even when others are
 * rejected; every data row ends up created, updated or rejected with its row number, column and reason.
 * A dry run checks everything and writes nothing.
 */
export async function importPayments(
  ctx: Ctx,
  actor: Actor,
  opts: { path: string; dryRun: boolean },
): Promise<PaymentImportResult> {
  if (!can(actor.roles, 'money.write')) throw forbidden('无权导入资金发放名单');
  await assertXlsxFile(opts.path, '请使用资金发放名单模板');

  const now = ctx.clock.now();
  const thisMonth = chinaMonth(now);
  const today = chinaDate(now);
  const result: PaymentImportResult = {
    dryRun: opts.dryRun,
    total: 0,
    created: 0,
    updated: 0,
    rejected: [],
    rejectedCount: 0,
    badRowsToken: null,
  };
  interface Parsed {
    row: number;
    texts: string[];
    name: string;
    hash: string;
    month: string;
    allowance: { due: number; paid: number } | null;
    care: { due: number; paid: number } | null;
    paidOn: string | null;
  }
  const valid: (Parsed & { personId: number; villageId: number })[] = [];
  const seen = new Map<string, number>();
  const rejections = new Rejections();
  let header: Map<number, ColKey> | null = null;
  let keys = new Set<ColKey>();
  let width = 0;
  let stored = false;

  /** Checks one batch of rows: each on its own, then their persons in one query; rejections in row order. */
  const checkBatch = async (rows: SheetRow[]) => {
    const found: { row: number; texts: string[]; column: ColKey; message: string }[] = [];
    const parsed: Parsed[] = [];
    for (const { number: r, values } of rows) {
      const get = (k: ColKey) => {
        for (const [col, key] of header!) if (key === k) return values[col] ?? null;
        return null;
      };
      const any = [...header!.keys()].some((c) => cellText(values[c]) !== '');
      if (!any) continue;
      // The template's example row, left in by the clerk who filled the rows below it.
      if (cellText(get('name')).replace(/\s/g, '') === EXAMPLE_NAME_READ) continue;
      result.total++;
      const texts = Array.from({ length: width }, (_, i) => plainCellText(values[i + 1]));
      try {
        const name = cellText(get('name')).replace(/\s/g, '');
        if (!name) throw new RowError('name', '姓名为空');
        if (looksLikeFormula(name))
          throw new RowError('name', `「${name.slice(0, 30)}」${FORMULA_TEXT_MESSAGE}`);
        const rawId = cellValue(get('idNumber'));
        if (typeof rawId === 'number') {
          throw new RowError(
            'idNumber',
            '身份证号码被 Excel 存成了数字（末几位已丢失），请将该列设为“文本”后重新填写',
          );
        }
        const id = parseIdNumber(normalizeIdNumber(cellText(rawId)), today);
        if (!id.ok) throw new RowError('idNumber', id.message);
        const month = parseMonth(get('month'));
        if (month > thisMonth) throw new RowError('month', `${month} 是未来月份`);
        const key = `${id.value}|${month}`;
        const first = seen.get(key);
        if (first) throw new RowError('idNumber', `与第 ${first} 行是同一人同一月份`);
        const aPaid = parseAmount(get('allowancePaid'), 'allowancePaid');
        const aDue = parseAmount(get('allowanceDue'), 'allowanceDue');
        const cPaid = parseAmount(get('carePaid'), 'carePaid');
        const cDue = parseAmount(get('careDue'), 'careDue');
        if (aPaid === null && aDue === null && cPaid === null && cDue === null) {
          throw new RowError(keys.has('allowancePaid') ? 'allowancePaid' : 'carePaid', '没有填写任何金额');
        }
        let paidOn: string | null = null;
        const paidText = cellText(get('paidOn'));
        if (paidText) {
          paidOn = parseRosterDate(cellValue(get('paidOn'))) ?? null;
          if (!paidOn) throw new RowError('paidOn', `「${paidText}」不是有效日期`);
          if (paidOn > today) throw new RowError('paidOn', `发放日期 ${paidOn} 晚于今天`);
        }
        seen.set(key, r);
        parsed.push({
          row: r,
          texts,
          name,
          hash: ctx.fields.hash(id.value),
          month,
          allowance: aPaid !== null || aDue !== null ? { due: aDue ?? aPaid ?? 0, paid: aPaid ?? 0 } : null,
          care: cPaid !== null || cDue !== null ? { due: cDue ?? cPaid ?? 0, paid: cPaid ?? 0 } : null,
          paidOn,
        });
      } catch (e) {
        if (!(e instanceof RowError)) throw e;
        found.push({ row: r, texts, column: e.column, message: e.message });
      }
    }
    const persons = new Map(
      (parsed.length
        ? await repo.personsByIdHash(
            ctx.db,
            actor.scope,
            parsed.map((p) => p.hash),
          )
        : []
      ).map((p) => [p.id_number_hash, p]),
    );
    for (const p of parsed) {
      const person = persons.get(p.hash);
      const reject = (column: ColKey, message: string) =>
        found.push({ row: p.row, texts: p.texts, column, message });
      if (!person?.visible) reject('idNumber', '该身份证号码不是您辖区内在册的特困人员');
      else if (person.name !== p.name) reject('name', `姓名与档案不符（档案为「${person.name}」）`);
      else if (`${p.month}-31` < person.support_start)
        reject('month', `${p.month} 早于该对象的供养开始日期 ${person.support_start}`);
      else valid.push({ ...p, personId: person.id, villageId: person.village_id });
    }
    found.sort((a, b) => a.row - b.row);
    for (const f of found) await rejections.add(f.row, f.texts, LABEL[f.column], f.message);
  };

  try {
    // Parsed in a worker thread with its own memory ceiling (lib/sheet-rows.ts): a 10 MB list that
    // unpacks to a huge sheet no longer holds up every other request while it loads.
    const sheet = new SheetRows(opts.path, { maxRows: UPLOAD_LIMITS.rows });
    let searched = false;
    for await (const rows of sheet) {
      let data = rows;
      if (!header) {
        const at = rows.findIndex(({ number, values }) => {
          if (number > 30) searched = true;
          if (searched) return false;
          const found = new Map<number, ColKey>();
          values.forEach((v, col) => {
            const k = matchHeader(cellText(v));
            if (k && ![...found.values()].includes(k)) found.set(col, k);
          });
          const ks = new Set(found.values());
          if (ks.has('idNumber') && ks.has('name')) {
            header = found;
            keys = ks;
            width = values.length - 1;
            rejections.setHeader(values.slice(1).map((v) => plainCellText(v)));
            return true;
          }
          return false;
        });
        if (!header) {
          if (searched) break;
          continue;
        }
        if (!keys.has('month')) throw badRequest('缺少「发放月份」列', 'file');
        if (!keys.has('allowancePaid') && !keys.has('carePaid')) {
          throw badRequest('缺少实发金额列（「基本生活费实发」或「护理费实发」）', 'file');
        }
        data = rows.slice(at + 1);
      }
      await checkBatch(data);
    }
    if (!header) throw badRequest('找不到表头：须有「姓名」和「身份证号码」两列', 'file');
    result.badRowsToken = await rejections.finish(ctx.db, actor.userId, now);
    stored = true;
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw badRequest(
      `无法读取该 Excel 文件（${(e as Error).message.slice(0, 100)}），请确认文件未损坏`,
      'file',
    );
  } finally {
    if (!stored) await rejections.discard();
  }
  result.rejected = rejections.shown;
  result.rejectedCount = rejections.count;

  if (opts.dryRun) {
    const existing = valid.length
      ? await repo.paymentKeysOf(
          ctx.db,
          valid.map((v) => v.personId),
        )
      : [];
    const have = new Set(existing.map((e) => `${e.person_id}|${e.month}|${e.kind}`));
    for (const v of valid) {
      const kinds = [v.allowance && 'allowance', v.care && 'care_fee'].filter(Boolean) as string[];
      if (kinds.some((k) => have.has(`${v.personId}|${v.month}|${k}`))) result.updated++;
      else result.created++;
    }
    return result;
  }
  for (let i = 0; i < valid.length; i += 200) {
    const chunk = valid.slice(i, i + 200);
    await ctx.db.tx(async (q) => {
      for (const v of chunk) {
        let created = false;
        for (const [kind, amt] of [
          ['allowance', v.allowance],
          ['care_fee', v.care],
        ] as const) {
          if (!amt) continue;
          created =
            (await repo.upsertPayment(q, {
              personId: v.personId,
              month: v.month,
              kind,
              amountDue: amt.due,
              amountPaid: amt.paid,
              paidOn: v.paidOn,
              source: 'import',
              by: actor.userId,
              now,
            })) || created;
        }
        if (created) result.created++;
        else result.updated++;
        const parts = [
          v.allowance ? `基本生活费实发 ${v.allowance.paid.toFixed(2)} 元` : '',
          v.care ? `护理费实发 ${v.care.paid.toFixed(2)} 元` : '',
        ].filter(Boolean);
        await insertPersonEvent(q, {
          personId: v.personId,
          at: now,
          kind: 'money.payment',
          title: `${v.month} 资金发放：${parts.join('，')}`,
          actorId: actor.userId,
          refEntity: 'payment',
          refId: v.month,
        });
      }
      await appendAudit(q, {
        at: now,
        actorId: actor.userId,
        action: 'payment.import',
        entity: 'payment',
        detail: { rows: chunk.length, first: chunk[0].row, last: chunk[chunk.length - 1].row },
      });
    });
  }
  return result;
}

/**
 * The name of the template's example row: the import skips a row with this name, so a clerk who
 * fills the rows below it without deleting it gets no rejected row for it.
 */
export const TEMPLATE_EXAMPLE_NAME = '示例（导入时跳过）';
/** The same as the import reads it (half-width brackets). */
const EXAMPLE_NAME_READ = toHalfWidth(TEMPLATE_EXAMPLE_NAME);

/** A template workbook with the expected headers and one example row. */
export async function paymentTemplate(month: string): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('资金发放名单', printLayout(1));
  ws.columns = COLUMNS.map((c) => ({ header: c.label, key: c.key, width: c.key === 'idNumber' ? 22 : 14 }));
  ws.getColumn('idNumber').numFmt = '@';
  ws.addRow({
    name: TEMPLATE_EXAMPLE_NAME,
    idNumber: '（18 位身份证号码，文本格式）',
    month,
    allowanceDue: 1200,
    allowancePaid: 1200,
    careDue: 600,
    carePaid: 600,
    paidOn: `${month}-05`,
  });
  ws.getRow(1).font = { bold: true };
  ws.getRow(2).font = { italic: true, color: { argb: 'FF808080' } };
  return Buffer.from(await wb.xlsx.writeBuffer());
}

// ---------------------------------------------------------------------------------------------
// Concerns raised by money problems

/**
 * Visit handler: "money not received" (section A) raises a concern for the town, once per person and
 * month whatever the number of visits saying so.
 */
export async function onVisitMoney(
  q: Queryable,
  ctx: Ctx,
  v: {
    id: number;
    personId: number;
    townId: number;
    villageId: number;
    at: Date;
    answers: unknown;
    actorId: number;
  },
) {
  const m = moneyReceivedOf(v.answers as never);
  if (m.received !== 'no') return;
  const month = chinaMonth(v.at);
  const now = ctx.clock.now();
  if (!(await repo.claimPaymentAlert(q, { personId: v.personId, month, reason: 'not_received', now })))
    return;
  const ref = await raiseMoneyConcern(q, {
    personId: v.personId,
    visitId: v.id,
    description: `探访时对象反映 ${month} 供养资金未收到${m.note ? `：${m.note}` : ''}`,
    actorId: v.actorId,
    now,
  });
  await repo.setAlertConcern(q, v.personId, month, ref);
}

/**
 * Monthly: after the grace days of a month have passed, every person active through the previous
 * month with nothing paid for it gets one concern for the town.
 */
export async function runUnpaidCheck(ctx: Ctx) {
  const now = ctx.clock.now();
  const today = chinaDate(now);
  const month = addMonths(chinaMonth(now), -1);
  const grace = (await careSettings(ctx.db, null))['money.unpaidGraceDays'];
  if (Number(today.slice(8, 10)) <= grace) return { month, raised: 0, waiting: true };
  const candidates = await repo.unpaidPersons(ctx.db, month, `${month}-01`);
  let raised = 0;
  for (const p of candidates) {
    await ctx.db.tx(async (q) => {
      if (!(await repo.claimPaymentAlert(q, { personId: p.id, month, reason: 'nothing_paid', now }))) return;
      const ref = await raiseMoneyConcern(q, {
        personId: p.id,
        visitId: null,
        description: `${month} 没有任何供养资金发放记录（基本生活费、照料护理费实发均为 0）`,
        actorId: null,
        now,
      });
      await repo.setAlertConcern(q, p.id, month, ref);
      raised++;
    });
  }
  return { month, raised };
}
