import type { Writable } from 'node:stream';
import { UPLOAD_LIMITS } from '../../../shared/api/uploads.js';
import { chinaDate } from '../../../shared/china-time.js';
import { maskIdNumber, maskPhone, parseIdNumber } from '../../../shared/id-card.js';
import {
  ageOn,
  BENEFIT_CARD_LABELS,
  type BenefitCardState,
  PERSON_FLAG_LABELS,
  PERSON_STATUS_LABELS,
  SELF_CARE_LABELS,
  type SelfCare,
  TIER_LABELS,
  tierOf,
} from '../../../shared/person.js';
import { can } from '../../../shared/roles.js';
import {
  matchRosterHeader,
  normalizePhone,
  parseBenefitCardText,
  parseRosterDate,
  parseSelfCareText,
  ROSTER_COLUMNS,
  type RosterKey,
  toHalfWidth,
} from '../../../shared/roster.js';
import { FORMULA_TEXT_MESSAGE, looksLikeFormula } from '../../../shared/spreadsheet-text.js';
import { type Ctx, replicaDb } from '../../context.js';
import type { Queryable } from '../../db/db.js';
import { AppError, badRequest, forbidden } from '../../http/errors.js';
import type { Actor } from '../../http/scope.js';
import { DATE_FORMAT } from '../../lib/sheet-layout.js';
import { SheetRows } from '../../lib/sheet-rows.js';
import ExcelJS, {
  addPlainRow,
  assertXlsxFile,
  cellText,
  cellValue,
  drained,
  prefetchedBatches,
  printLayout,
  sheetDay,
} from '../../lib/xlsx.js';
import { listAreas } from '../areas/index.js';
import { addWatermarkSheet, appendAudit, type ExportWatermark, watermarkWorkbook } from '../audit/index.js';
import * as transfers from '../transfers/index.js';
import { Rejections } from '../transfers/index.js';
import { emitPersonEvent } from './hooks.js';
import * as repo from './repo.js';
import { recordIdentityConflict } from './service.js';

const LABEL: Record<RosterKey, string> = Object.fromEntries(
  ROSTER_COLUMNS.map((c) => [c.key, c.label]),
) as Record<RosterKey, string>;
const REQUIRED: RosterKey[] = ['name', 'idNumber', 'village', 'selfCare', 'supportStart'];
const HEADER_SEARCH_ROWS = 30;
/** Other towns' ID numbers one import may meet before it stops (each is reported and audited). */
const MAX_FOREIGN = 20;
const BATCH = 500;

export interface RejectedRow {
  row: number;
  column: string;
  message: string;
}

export interface ImportResult {
  dryRun: boolean;
  total: number;
  created: number;
  updated: number;
  /** The first `UPLOAD_LIMITS.rejectedShown` rejected rows (the answer does not grow with the file). */
  rejected: RejectedRow[];
  rejectedCount: number;
  /** Download name of the bad-rows workbook (every rejected row as in the file plus a reason column). */
  badRowsToken: string | null;
}

/** Town and village names compare without their suffixes: 罕台 = 罕台镇, 罕台村 = 罕台村委会. */
const foldTown = (s: string) =>
  toHalfWidth(s)
    .replace(/\s/g, '')
    .replace(/(镇人民政府|苏木人民政府|乡人民政府|街道办事处|办事处|街道|民族乡|民族苏木|镇|乡|苏木)$/, '');
const foldVillage = (s: string) =>
  toHalfWidth(s)
    .replace(/\s/g, '')
    .replace(/(村民委员会|居民委员会|村委会|居委会|社区|村|嘎查)$/, '');

interface ParsedRow {
  row: number;
  name: string;
  idNumber: string;
  birthDate: string;
  sex: 'male' | 'female';
  hash: string;
  ethnicity: string | null;
  phone: string | null;
  townId: number;
  villageId: number;
  registeredAddress: string | null;
  currentAddress: string | null;
  selfCare: SelfCare;
  supportStart: string;
  visitorId: number | null;
  card: { state: BenefitCardState; custodian?: string; reason?: string } | null;
  note: string | null;
}

class RowError extends Error {
  constructor(
    readonly column: RosterKey,
    message: string,
  ) {
    super(message);
  }
}

interface AreaIndex {
  towns: Map<string, { id: number; name: string }[]>;
  villages: Map<number, Map<string, { id: number; name: string }[]>>;
  allVillages: Map<string, { id: number; townId: number; name: string }[]>;
}

async function loadAreaIndex(q: Queryable, actor: Actor): Promise<AreaIndex> {
  const rows = await listAreas(q, actor.scope.all ? null : actor.scope.areaIds, false);
  const idx: AreaIndex = { towns: new Map(), villages: new Map(), allVillages: new Map() };
  const push = <K, V>(m: Map<K, V[]>, k: K, v: V) => m.set(k, [...(m.get(k) ?? []), v]);
  for (const r of rows) {
    if (r.level === 'town') push(idx.towns, foldTown(r.name), { id: r.id, name: r.name });
    if (r.level === 'village' && r.parent_id) {
      if (!idx.villages.has(r.parent_id)) idx.villages.set(r.parent_id, new Map());
      push(idx.villages.get(r.parent_id)!, foldVillage(r.name), { id: r.id, name: r.name });
      push(idx.allVillages, foldVillage(r.name), { id: r.id, townId: r.parent_id, name: r.name });
    }
  }
  return idx;
}

/** The name the rejected rows download under. */
export { BAD_ROWS_FILE_NAME } from '../transfers/index.js';

/** Columns of free text, checked for formula text on import (phones may start with +). */
const FREE_TEXT_KEYS: readonly RosterKey[] = [
  'name',
  'ethnicity',
  'town',
  'village',
  'registeredAddress',
  'currentAddress',
  'visitor',
  'benefitCard',
  'note',
];

/**
 * Imports a roster .xlsx (already saved to `path`): finds the header row, validates every data row,
 * creates new files and updates the live file with the same ID number (re-import updates, never
 * duplicates). Reads with exceljs's streaming reader and writes in batches, so memory stays flat as
 * files grow. A dry run does every check and count but writes nothing. Valid rows are imported even
 * when others are rejected; every data row ends up created, updated or rejected.
 */
export async function importRoster(
  ctx: Ctx,
  actor: Actor,
  opts: { path: string; dryRun: boolean; onProgress?: (rowsDone: number) => void | Promise<void> },
): Promise<ImportResult> {
  if (!can(actor.roles, 'persons.write')) throw forbidden('无权导入花名册');
  await assertXlsxFile(opts.path, '请使用花名册模板');
  await transfers.sweep(ctx.db, ctx.clock.now());
  const today = chinaDate(ctx.clock.now());
  const areas = await loadAreaIndex(ctx.db, actor);
  const result: ImportResult = {
    dryRun: opts.dryRun,
    total: 0,
    created: 0,
    updated: 0,
    rejected: [],
    rejectedCount: 0,
    badRowsToken: null,
  };
  const seen = new Map<string, number>(); // ID hash → first row number in this file
  const visitorCache = new Map<string, number[] | { phone: string | null; id: number }[]>();
  let header: Map<number, RosterKey> | null = null;
  let columnsOrder: number[] = [];
  const rejections = new Rejections();
  let batch: { parsed: ParsedRow; values: string[] }[] = [];
  let foreign = 0;

  const reject = (row: number, values: string[], column: RosterKey | string, message: string) => {
    const label = (LABEL as Record<string, string>)[column] ?? column;
    return rejections.add(row, values, label, message);
  };

  const resolveVisitor = async (name: string, phone: string | null, villageId: number, townId: number) => {
    const key = `${name}|${villageId}`;
    let found = visitorCache.get(key) as { phone: string | null; id: number }[] | undefined;
    if (!found) {
      const rows = await repo.findVisitorsByName(ctx.db, name, villageId, townId);
      found = rows.map((r) => ({ id: r.id, phone: r.phone_hash }));
      visitorCache.set(key, found);
    }
    if (found.length === 0)
      throw new RowError(
        'visitor',
        `找不到探访责任人「${name}」（须是该村（社区）或其镇（街道）在用的探访责任人账户）`,
      );
    if (phone) {
      const h = ctx.fields.hash(phone);
      const m = found.filter((f) => f.phone === h);
      if (m.length === 1) return m[0].id;
      if (found.length === 1 && !found[0].phone) return found[0].id;
      throw new RowError('visitorPhone', `探访责任人「${name}」与电话 ${maskPhone(phone)} 不匹配`);
    }
    if (found.length > 1)
      throw new RowError(
        'visitorPhone',
        `有 ${found.length} 名探访责任人叫「${name}」，请填写探访责任人电话以区分`,
      );
    return found[0].id;
  };

  const parseRow = async (rowNumber: number, get: (k: RosterKey) => unknown): Promise<ParsedRow> => {
    const text = (k: RosterKey) => cellText(get(k));
    // Text a spreadsheet would run as a formula (=HYPERLINK(…), +1+2|cmd, @SUM(…)) is no name or address.
    for (const k of FREE_TEXT_KEYS) {
      const t = text(k);
      if (looksLikeFormula(t)) throw new RowError(k, `「${t.slice(0, 30)}」${FORMULA_TEXT_MESSAGE}`);
    }
    const name = text('name').replace(/\s/g, '');
    if (!name) throw new RowError('name', '姓名为空');
    if (name.length > 50) throw new RowError('name', '姓名过长');
    const rawId = cellValue(get('idNumber'));
    if (typeof rawId === 'number')
      throw new RowError(
        'idNumber',
        '身份证号码被 Excel 存成了数字（末几位已丢失），请将该列设为“文本”后重新填写',
      );
    const idText = text('idNumber');
    if (!idText) throw new RowError('idNumber', '身份证号码为空');
    if (idText.includes('*'))
      throw new RowError('idNumber', '这是脱敏后的号码（含 *），请填写完整的身份证号码');
    const id = parseIdNumber(idText, today);
    if (!id.ok) throw new RowError('idNumber', id.message);
    const hash = ctx.fields.hash(id.value);
    const first = seen.get(hash);
    if (first !== undefined) throw new RowError('idNumber', `与第 ${first} 行的身份证号码重复`);
    seen.set(hash, rowNumber);

    let phone: string | null = null;
    const phoneText = text('phone');
    if (phoneText) {
      const p = normalizePhone(phoneText);
      if (!p) throw new RowError('phone', `联系电话「${phoneText}」格式不正确`);
      phone = p;
    }
    const townText = text('town');
    const villageText = text('village');
    if (!villageText) throw new RowError('village', '村（嘎查、社区）为空');
    let townId: number | undefined;
    let villageId: number | undefined;
    if (townText) {
      const towns = areas.towns.get(foldTown(townText)) ?? [];
      if (towns.length === 0) throw new RowError('town', `「${townText}」不是您辖区内的乡镇（苏木、街道）`);
      townId = towns[0].id;
      const vs = areas.villages.get(townId)?.get(foldVillage(villageText)) ?? [];
      if (vs.length === 0)
        throw new RowError('village', `${towns[0].name}没有「${villageText}」这个村（嘎查、社区）`);
      villageId = vs[0].id;
    } else {
      const vs = areas.allVillages.get(foldVillage(villageText)) ?? [];
      if (vs.length === 0) throw new RowError('village', `「${villageText}」不是您辖区内的村（嘎查、社区）`);
      if (vs.length > 1)
        throw new RowError(
          'town',
          `有 ${vs.length} 个乡镇（苏木、街道）都有「${villageText}」，请填写所属乡镇`,
        );
      villageId = vs[0].id;
      townId = vs[0].townId;
    }
    const scText = text('selfCare');
    if (!scText) throw new RowError('selfCare', '生活自理能力为空');
    const selfCare = parseSelfCareText(scText);
    if (!selfCare)
      throw new RowError(
        'selfCare',
        `无法识别「${scText}」，应为 具备/部分丧失/完全丧失生活自理能力（或 自理/半失能/失能）`,
      );
    const rawStart = cellValue(get('supportStart'));
    if (rawStart == null || rawStart === '') throw new RowError('supportStart', '供养开始日期为空');
    const supportStart = parseRosterDate(rawStart);
    if (!supportStart)
      throw new RowError('supportStart', `无法识别日期「${cellText(rawStart)}」，请写作 2020-01-05`);
    if (supportStart > today) throw new RowError('supportStart', '供养开始日期晚于今天');
    if (supportStart < id.birthDate) throw new RowError('supportStart', '供养开始日期早于出生日期');
    let card: ParsedRow['card'] = null;
    const cardText = text('benefitCard');
    if (cardText) {
      card = parseBenefitCardText(cardText) ?? null;
      if (!card)
        throw new RowError(
          'benefitCard',
          `无法识别「${cardText}」，应为 本人持有 / 代管（代管人姓名） / 遗失 / 未办理`,
        );
    }
    let visitorId: number | null = null;
    const visitorName = text('visitor').replace(/\s/g, '');
    const vpText = text('visitorPhone');
    const vPhone = vpText ? normalizePhone(vpText) : null;
    if (vpText && !vPhone) throw new RowError('visitorPhone', `探访责任人电话「${vpText}」格式不正确`);
    if (visitorName) visitorId = await resolveVisitor(visitorName, vPhone ?? null, villageId, townId);
    const opt = (k: RosterKey, max = 200) => {
      const t = text(k);
      if (t.length > max) throw new RowError(k, `${LABEL[k]}过长（最多 ${max} 字）`);
      return t || null;
    };
    return {
      row: rowNumber,
      name,
      idNumber: id.value,
      birthDate: id.birthDate,
      sex: id.sex,
      hash,
      ethnicity: opt('ethnicity', 20),
      phone,
      townId,
      villageId,
      registeredAddress: opt('registeredAddress'),
      currentAddress: opt('currentAddress'),
      selfCare,
      supportStart,
      visitorId,
      card,
      note: opt('note', 500),
    };
  };

  const flush = async () => {
    if (batch.length === 0) return;
    const items = batch;
    batch = [];
    const existing = new Map(
      (
        await repo.findLiveByIdHashes(
          ctx.db,
          items.map((i) => i.parsed.hash),
        )
      ).map((e) => [e.id_number_hash, e]),
    );
    const creates: ParsedRow[] = [];
    const updates: { p: ParsedRow; e: NonNullable<ReturnType<typeof existing.get>> }[] = [];
    for (const it of items) {
      const e = existing.get(it.parsed.hash);
      if (!e) creates.push(it.parsed);
      else if (
        !actor.scope.all &&
        !actor.scope.areaIds.includes(e.village_id) &&
        !actor.scope.areaIds.includes(e.town_id)
      ) {
        // Another town's file: a reference the bureau resolves, never whose. A file of other towns'
        // numbers would be a bulk existence check: past MAX_FOREIGN the import stops.
        foreign++;
        if (foreign > MAX_FOREIGN) {
          throw badRequest(
            `文件中有超过 ${MAX_FOREIGN} 个身份证号码已在其他辖区登记在册，已停止检查。请只导入本辖区的花名册；需要迁入的对象请联系民政局`,
            'file',
          );
        }
        const ref = await recordIdentityConflict(ctx, actor, [e.id], 'import', { row: it.parsed.row });
        await reject(
          it.parsed.row,
          it.values,
          'idNumber',
          `该身份证号码已在其他辖区登记在册，不能在此建档。如需迁入，请联系民政局核实（参考编号 ${ref}）`,
        );
      } else updates.push({ p: it.parsed, e });
    }
    if (!opts.dryRun && (creates.length || updates.length)) await writeBatch(ctx, actor, creates, updates);
    result.created += creates.length;
    result.updated += updates.length;
  };

  let stored = false;
  try {
    // Parsed in a worker thread with its own memory ceiling (lib/sheet-rows.ts); this thread gets
    // plain rows, a batch at a time, and checks and writes them.
    const sheet = new SheetRows(opts.path, { maxRows: UPLOAD_LIMITS.rows });
    let anyRow = false;
    let headerSearched = false;
    reading: for await (const rows of sheet) {
      for (const { number, values } of rows) {
        if (!header) {
          if (values.some((v) => cellText(v))) anyRow = true;
          if (number > HEADER_SEARCH_ROWS) {
            headerSearched = true;
            break reading;
          }
          const found = new Map<number, RosterKey>();
          values.forEach((v, i) => {
            const k = matchRosterHeader(cellText(v));
            if (k && ![...found.values()].includes(k)) found.set(i, k);
          });
          const keys = [...found.values()];
          if (keys.includes('name') && keys.includes('idNumber') && found.size >= 3) {
            const missing = REQUIRED.filter((k) => !keys.includes(k));
            if (missing.length) {
              throw badRequest(
                `表头缺少必需的列：${missing
                  .map((k) => {
                    const c = ROSTER_COLUMNS.find((c) => c.key === k)!;
                    return c.aliases.length
                      ? `${c.label}（或 ${c.aliases.slice(0, 2).join('、')}）`
                      : c.label;
                  })
                  .join('；')}`,
                'file',
              );
            }
            header = found;
            columnsOrder = values.map((_, i) => i).filter((i) => i > 0);
            rejections.setHeader(columnsOrder.map((i) => cellText(values[i])));
          }
          continue;
        }
        const texts = columnsOrder.map((i) => cellText(values[i]));
        const byKey = new Map<RosterKey, unknown>();
        for (const [i, k] of header) byKey.set(k, values[i]);
        // Blank rows (or rows with only a serial number) are not data.
        if ([...header].every(([i, k]) => k === 'serial' || !cellText(values[i]))) continue;
        result.total++;
        try {
          const parsed = await parseRow(number, (k) => byKey.get(k));
          batch.push({ parsed, values: texts });
        } catch (e) {
          if (!(e instanceof RowError)) throw e;
          await reject(number, texts, e.column, e.message);
        }
        if (batch.length >= BATCH) {
          await flush();
          await opts.onProgress?.(result.total);
        }
      }
    }
    if (!header) {
      if (sheet.sheets === 0 && !headerSearched && !anyRow) throw badRequest('文件中没有工作表', 'file');
      throw badRequest(
        anyRow
          ? `前 ${HEADER_SEARCH_ROWS} 行中找不到表头（至少需要“姓名”“身份证号码”等列），请使用花名册模板`
          : '工作表是空的，没有任何数据',
        'file',
      );
    }
    await flush();
    result.badRowsToken = await rejections.finish(ctx.db, actor.userId, ctx.clock.now());
    stored = true;
  } catch (e) {
    if (e instanceof AppError) throw e;
    if ((e as { code?: string }).code?.startsWith?.('23')) throw e;
    throw badRequest(
      `无法读取该 Excel 文件（${(e as Error).message.slice(0, 100)}），请确认是 .xlsx 格式且未损坏`,
      'file',
    );
  } finally {
    if (!stored) await rejections.discard();
  }
  result.rejected = rejections.shown;
  result.rejectedCount = rejections.count;
  await opts.onProgress?.(result.total);
  if (!opts.dryRun) {
    await appendAudit(ctx.db, {
      at: ctx.clock.now(),
      actorId: actor.userId,
      action: 'person.import',
      entity: 'person',
      detail: {
        total: result.total,
        created: result.created,
        updated: result.updated,
        rejected: result.rejectedCount,
      },
    });
  }
  return result;
}

/** Writes one batch in one transaction: new files in bulk, existing files one by one. */
async function writeBatch(
  ctx: Ctx,
  actor: Actor,
  creates: ParsedRow[],
  updates: {
    p: ParsedRow;
    e: { id: number; self_care: string; visitor_id: number | null; village_id: number };
  }[],
) {
  const now = ctx.clock.now();
  const f = ctx.fields;
  await ctx.db.tx(async (q) => {
    const ids = await repo.insertPersons(
      q,
      creates.map((p) => ({
        name: p.name,
        idNumberEnc: f.encrypt(p.idNumber),
        idNumberHash: p.hash,
        idNumberMasked: maskIdNumber(p.idNumber),
        birthDate: p.birthDate,
        sex: p.sex,
        ethnicity: p.ethnicity,
        phoneEnc: p.phone ? f.encrypt(p.phone) : null,
        phoneHash: p.phone ? f.hash(p.phone) : null,
        phoneMasked: p.phone ? maskPhone(p.phone) : null,
        registeredAddress: p.registeredAddress,
        currentAddress: p.currentAddress,
        townId: p.townId,
        villageId: p.villageId,
        supportStart: p.supportStart,
        selfCare: p.selfCare,
        tier: tierOf(p.selfCare),
        benefitCard: p.card?.state ?? 'self',
        cardCustodian: p.card?.custodian ?? null,
        cardCustodianReason: p.card?.reason ?? null,
        visitorId: p.visitorId,
        note: p.note,
        now,
      })),
    );
    if (ids.length) {
      await repo.insertAssessments(
        q,
        creates.map((p, i) => ({
          personId: ids[i],
          assessedOn: p.supportStart,
          indicators: {},
          level: p.selfCare,
          assessorId: actor.userId,
          assessorName: actor.displayName,
          note: '花名册导入的等级',
        })),
        now,
      );
      await repo.insertStatusChanges(
        q,
        creates.map((p, i) => ({
          personId: ids[i],
          status: 'active',
          effectiveOn: p.supportStart,
          reason: '花名册导入建档',
        })),
        actor.userId,
        now,
      );
      await repo.insertResponsibleAssignments(
        q,
        creates.flatMap((p, i) => (p.visitorId ? [{ personId: ids[i], visitorId: p.visitorId }] : [])),
        actor.userId,
        now,
      );
      await repo.insertPersonEvents(
        q,
        creates.map((p, i) => ({
          personId: ids[i],
          at: now,
          kind: 'person.created',
          title: `花名册导入建档：${SELF_CARE_LABELS[p.selfCare]}（${TIER_LABELS[tierOf(p.selfCare)]}）`,
          actorId: actor.userId,
        })),
      );
    }
    for (const { p, e } of updates) {
      const patch: repo.PersonPatch = {
        name: p.name,
        ethnicity: p.ethnicity ?? undefined,
        registeredAddress: p.registeredAddress ?? undefined,
        currentAddress: p.currentAddress ?? undefined,
        townId: p.townId,
        villageId: p.villageId,
        supportStart: p.supportStart,
        note: p.note ?? undefined,
      };
      if (p.phone)
        Object.assign(patch, {
          phoneEnc: f.encrypt(p.phone),
          phoneHash: f.hash(p.phone),
          phoneMasked: maskPhone(p.phone),
        });
      if (p.card) {
        Object.assign(patch, {
          benefitCard: p.card.state,
          cardCustodian: p.card.custodian ?? null,
          cardCustodianReason: p.card.reason ?? null,
        });
      }
      const levelChanged = p.selfCare !== e.self_care;
      if (levelChanged) Object.assign(patch, { selfCare: p.selfCare, tier: tierOf(p.selfCare) });
      const visitorChanged = p.visitorId != null && p.visitorId !== e.visitor_id;
      if (visitorChanged) patch.visitorId = p.visitorId;
      await repo.updatePerson(q, e.id, null, patch, now);
      const today = chinaDate(now);
      if (levelChanged) {
        await repo.insertAssessment(q, {
          personId: e.id,
          assessedOn: today,
          indicators: {},
          level: p.selfCare,
          assessorId: actor.userId,
          assessorName: actor.displayName,
          note: '花名册导入更新的等级',
          now,
        });
      }
      if (visitorChanged) {
        await repo.closeAssignments(q, [e.id], 'responsible', now);
        await repo.openAssignments(q, [e.id], p.visitorId!, 'responsible', actor.userId, now);
      }
      await repo.insertPersonEvent(q, {
        personId: e.id,
        at: now,
        kind: 'person.updated',
        title: `花名册导入更新档案${levelChanged ? `，自理能力改为${SELF_CARE_LABELS[p.selfCare]}` : ''}${visitorChanged ? '，更换探访责任人' : ''}`,
        actorId: actor.userId,
      });
      if (levelChanged) {
        await emitPersonEvent(ctx, 'selfCareChanged', q, {
          personId: e.id,
          from: e.self_care as SelfCare,
          to: p.selfCare,
          effectiveOn: today,
          at: now,
          actorId: actor.userId,
        });
      }
      if (visitorChanged) {
        await emitPersonEvent(ctx, 'reassigned', q, {
          moves: [{ personId: e.id, fromVisitorId: e.visitor_id }],
          toVisitorId: p.visitorId!,
          at: now,
          actorId: actor.userId,
        });
      }
    }
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'person.import_batch',
      entity: 'person',
      detail: { created: ids, updated: updates.map((u) => u.e.id) },
    });
    if (ids.length)
      await emitPersonEvent(ctx, 'created', q, { personIds: ids, at: now, actorId: actor.userId });
  });
}

// ---------------------------------------------------------------------------------------------
// Template and export

const TEMPLATE_WIDTHS: Partial<Record<RosterKey, number>> = {
  idNumber: 22,
  phone: 14,
  town: 14,
  village: 14,
  registeredAddress: 26,
  currentAddress: 26,
  selfCare: 22,
  supportStart: 14,
  visitorPhone: 16,
  benefitCard: 18,
  note: 24,
};

/** The empty roster template: a title row, the header, text-formatted ID and phone columns, and instructions. */
export async function rosterTemplate(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('花名册', printLayout(2));
  ws.addRow(['分散供养特困人员花名册（请从第 3 行起填写，一人一行）']);
  ws.mergeCells(1, 1, 1, ROSTER_COLUMNS.length);
  ws.getRow(1).font = { bold: true, size: 14 };
  const h = ws.addRow(ROSTER_COLUMNS.map((c) => c.label));
  h.font = { bold: true };
  ROSTER_COLUMNS.forEach((c, i) => {
    const col = ws.getColumn(i + 1);
    col.width = TEMPLATE_WIDTHS[c.key] ?? 10;
    // Text format keeps 18-digit ID numbers and leading zeros intact.
    if (c.key === 'idNumber' || c.key === 'phone' || c.key === 'visitorPhone') col.numFmt = '@';
  });
  const help = wb.addWorksheet('填写说明', printLayout(1));
  help.columns = [{ width: 18 }, { width: 80 }];
  help.addRows([
    ['列', '说明'],
    ['姓名', '必填'],
    ['身份证号码', '必填，18 位（最后一位可为 X）；请将该列设为“文本”，否则 Excel 会丢失末几位'],
    ['所属镇（街道）', '填写镇或街道名称，如 罕台镇；可省略“镇”“街道”'],
    ['村（社区）', '必填，如 罕台村、交通社区'],
    [
      '生活自理能力',
      '必填：具备生活自理能力 / 部分丧失生活自理能力 / 完全丧失生活自理能力（或 自理 / 半失能 / 失能）',
    ],
    ['供养开始日期', '必填，如 2020-01-05、2020/1/5、2020年1月5日 或 Excel 日期'],
    ['探访责任人', '可选，须是系统中该村（社区）或其镇（街道）的探访责任人；同名时请填写探访责任人电话'],
    ['一卡通代管情况', '本人持有 / 代管（代管人姓名，原因） / 遗失 / 未办理；空白视为本人持有'],
    ['重复导入', '同一身份证号码再次导入时更新原档案，不会重复建档'],
    [
      '示例',
      '1 | 张三 | 150602195001011234 | 蒙古族 | 13800000000 | 罕台镇 | 罕台村 | … | 半失能 | 2020-01-05',
    ],
  ]);
  help.getRow(1).font = { bold: true };
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const EXPORT_BATCH = 1000;

/**
 * Streams the roster of the actor's persons (under `areaId`) as .xlsx into `out`, page by page.
 * ID numbers and phones are full only for roles with 'persons.sensitive'; the export is audited.
 */
export async function exportRoster(
  ctx: Ctx,
  actor: Actor,
  f: { areaId?: number; includeEnded?: boolean },
  out: Writable,
  /** Given (after authorizeFullNumberExport) only when full numbers were asked for with a reason. */
  watermark?: ExportWatermark | null,
): Promise<void> {
  const full = !!watermark && can(actor.roles, 'persons.sensitive');
  const today = chinaDate(ctx.clock.now());
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: true,
    useSharedStrings: false,
  });
  const ws = wb.addWorksheet('花名册', printLayout(1, 2));
  if (full) watermarkWorkbook(wb, ws, watermark);
  const extra = ['供养状态', '探访类别', '标识'];
  ws.columns = [
    ...ROSTER_COLUMNS.map((c) => ({ width: TEMPLATE_WIDTHS[c.key] ?? 10 })),
    { width: 10 },
    { width: 10 },
    { width: 24 },
  ];
  // Real date cells: Excel's date filters work, and the roster imports again as it was exported.
  ws.getColumn(ROSTER_COLUMNS.findIndex((c) => c.key === 'supportStart') + 1).numFmt = DATE_FORMAT;
  const head = ws.addRow([...ROSTER_COLUMNS.map((c) => c.label), ...extra]);
  head.font = { bold: true };
  head.commit();
  let n = 0;
  const batches = prefetchedBatches(
    (after: number | null) =>
      repo.listForExport(replicaDb(ctx), actor.scope, {
        areaId: f.areaId,
        includeEnded: !!f.includeEnded,
        after: after ?? 0,
        limit: EXPORT_BATCH,
      }),
    (last) => last.id,
    EXPORT_BATCH,
  );
  for await (const rows of batches) {
    for (const r of rows) {
      const flags = [
        ...(ageOn(r.birth_date, today) >= 80 ? [PERSON_FLAG_LABELS.aged_80] : []),
        ...r.flags.map((x) => (PERSON_FLAG_LABELS as Record<string, string>)[x] ?? x),
      ];
      const card =
        r.benefit_card === 'custodian'
          ? `代管（${r.card_custodian ?? ''}${r.card_custodian_reason ? `，${r.card_custodian_reason}` : ''}）`
          : BENEFIT_CARD_LABELS[r.benefit_card];
      const visitorPhone = r.visitor_phone_enc ? ctx.fields.decrypt(r.visitor_phone_enc) : '';
      addPlainRow(ws, [
        ++n,
        r.name,
        full ? ctx.fields.decrypt(r.id_number_enc) : r.id_number_masked,
        r.ethnicity ?? '',
        r.phone_enc ? (full ? ctx.fields.decrypt(r.phone_enc) : (r.phone_masked ?? '')) : '',
        r.town_name,
        r.village_name,
        r.registered_address ?? '',
        r.current_address ?? '',
        SELF_CARE_LABELS[r.self_care],
        sheetDay(r.support_start),
        r.visitor_name ?? '',
        visitorPhone,
        card,
        r.note ?? '',
        PERSON_STATUS_LABELS[r.status],
        TIER_LABELS[r.tier],
        flags.join('、'),
      ]);
    }
    if (rows.length === EXPORT_BATCH) await drained(out, ws);
  }
  ws.commit();
  if (full) addWatermarkSheet(wb, watermark);
  await wb.commit();
  await appendAudit(ctx.db, {
    at: ctx.clock.now(),
    actorId: actor.userId,
    action: 'person.export',
    entity: 'person',
    areaId: f.areaId ?? null,
    detail: { rows: n, fullNumbers: full, ...(full ? { exportId: watermark.exportId } : {}) },
  });
}
