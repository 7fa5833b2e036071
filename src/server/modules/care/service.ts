import { aboveTown } from '../../../shared/areas.js';
import {
  AGREEMENT_STATUS_LABELS,
  CARE_DEFAULTS,
  maskName,
  previousReviewPeriod,
  REPLACEMENT_CAUSE_LABELS,
  type ReviewRule,
  scoreReview,
  type VisitObservations,
} from '../../../shared/care.js';
import { caregiverOf } from '../../../shared/checklist.js';
import {
  addDays,
  chinaDate,
  chinaDateTime,
  chinaDayStart,
  earlierDate,
  laterDate,
} from '../../../shared/china-time.js';
import { maskIdNumber, maskPhone, normalizeIdNumber, parseIdNumber } from '../../../shared/id-card.js';
import { SELF_CARE_LABELS, SELF_CARE_LEVELS, type SelfCare } from '../../../shared/person.js';
import { can } from '../../../shared/roles.js';
import type { Ctx } from '../../context.js';
import type { Queryable } from '../../db/db.js';
import { badRequest, conflict, forbidden, notFound } from '../../http/errors.js';
import { type Actor, inScope, SYSTEM_SCOPE } from '../../http/scope.js';
import { getArea } from '../areas/index.js';
import { appendAudit, authorizeFullNumberExport } from '../audit/index.js';
import { fileBytes, keepFile } from '../files/index.js';
import { notify } from '../notifications/index.js';
import { insertPersonEvent } from '../persons/index.js';
import * as settings from '../settings/index.js';
import { settingRows } from '../settings/index.js';
import { qualifyingVisitAnswers } from '../visits/index.js';
import { agreementPdf, maskedNumbers, pledgePdf } from './documents.js';
import * as repo from './repo.js';
import { careSettings, careSettingsWithSource } from './settings.js';

const today = (ctx: Ctx) => chinaDate(ctx.clock.now());

function requireRead(actor: Actor) {
  if (!can(actor.roles, 'care.read')) throw forbidden('无权查看照料服务信息');
}
function requireWrite(actor: Actor) {
  if (!can(actor.roles, 'care.write')) throw forbidden('无权管理照料服务');
}

// ---------------------------------------------------------------------------------------------
// Caregivers

export async function listCaregivers(
  ctx: Ctx,
  actor: Actor,
  f: Parameters<typeof repo.listCaregivers>[2] & { idNumber?: string },
) {
  requireRead(actor);
  const idNumberHash = f.idNumber ? ctx.fields.hash(normalizeIdNumber(f.idNumber)) : undefined;
  return repo.listCaregivers(ctx.db, actor.scope, { ...f, idNumberHash });
}

export async function getCaregiver(ctx: Ctx, actor: Actor, id: number, opts: { reveal?: boolean } = {}) {
  requireRead(actor);
  const c = await repo.getCaregiver(ctx.db, actor.scope, id);
  if (!c) throw notFound('照料服务人');
  const history = await repo.listAssignments(ctx.db, actor.scope, { caregiverId: id });
  const agreements = await repo.listAgreements(ctx.db, actor.scope, { caregiverId: id, limit: 100 });
  let revealed: { idNumber: string; phone: string | null } | undefined;
  if (opts.reveal) {
    if (!can(actor.roles, 'care.write')) throw forbidden('无权查看完整证件号码和电话');
    revealed = {
      idNumber: ctx.fields.decrypt(c.id_number_enc),
      phone: c.phone_enc ? ctx.fields.decrypt(c.phone_enc) : null,
    };
    await appendAudit(ctx.db, {
      at: ctx.clock.now(),
      actorId: actor.userId,
      action: 'caregiver.reveal',
      entity: 'caregiver',
      entityId: id,
      areaId: c.area_id,
    });
  }
  return { caregiver: c, history, agreements, revealed };
}

export interface CaregiverInput {
  name: string;
  idNumber: string;
  phone?: string | null;
  address?: string | null;
  areaId: number;
  note?: string | null;
  /** Starts caring for this person now (without an agreement yet). */
  personId?: number;
  relation?: string;
}

export async function createCaregiver(ctx: Ctx, actor: Actor, input: CaregiverInput) {
  requireWrite(actor);
  const id = parseIdNumber(input.idNumber, today(ctx));
  if (!id.ok) throw badRequest(id.message, 'idNumber');
  const phone = input.phone?.replace(/[\s-]/g, '') || null;
  if (phone && !/^(1\d{10}|0\d{2,3}\d{7,8})$/.test(phone)) {
    throw badRequest('电话号码格式不正确（11 位手机号或带区号的固定电话）', 'phone');
  }
  if (!inScope(actor.scope, input.areaId)) throw notFound('辖区');
  const area = await getArea(ctx.db, input.areaId);
  if (!area || aboveTown(area.level) || area.retired_at) {
    throw badRequest('请选择照料服务人所在的乡镇（苏木、街道）或村（嘎查、社区）', 'areaId');
  }
  if (input.personId && !input.relation) throw badRequest('请填写与特困人员的关系', 'relation');
  const now = ctx.clock.now();
  const hash = ctx.fields.hash(id.value);
  return ctx.db.tx(async (q) => {
    if (await repo.caregiverIdByHash(q, hash)) {
      throw conflict('该身份证号码的照料服务人已登记，请直接选用', 'idNumber');
    }
    let person: repo.CarePersonRow | undefined;
    if (input.personId) {
      person = await repo.getCarePerson(q, actor.scope, input.personId, true);
      if (!person) throw notFound('特困人员');
      if (person.status === 'ended') throw badRequest('该对象已终止供养', 'personId');
    }
    const cid = await repo.insertCaregiver(q, {
      name: input.name,
      idNumberEnc: ctx.fields.encrypt(id.value),
      idNumberHash: hash,
      idNumberMasked: maskIdNumber(id.value),
      phoneEnc: phone ? ctx.fields.encrypt(phone) : null,
      phoneHash: phone ? ctx.fields.hash(phone) : null,
      phoneMasked: phone ? maskPhone(phone) : null,
      address: input.address ?? null,
      areaId: input.areaId,
      note: input.note ?? null,
      by: actor.userId,
      now,
    });
    if (person) {
      await repo.openAssignment(q, {
        caregiverId: cid,
        personId: person.id,
        relation: input.relation!,
        fromDate: today(ctx),
        now,
      });
      await insertPersonEvent(q, {
        personId: person.id,
        at: now,
        kind: 'caregiver.assigned',
        title: `照料服务人：${input.name}（${input.relation}）`,
        actorId: actor.userId,
        refEntity: 'caregiver',
        refId: cid,
      });
    }
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'caregiver.create',
      entity: 'caregiver',
      entityId: cid,
      areaId: input.areaId,
      detail: { name: input.name, personId: input.personId ?? null },
    });
    return (await repo.getCaregiver(q, { ...actor.scope, all: true }, cid))!;
  });
}

// ---------------------------------------------------------------------------------------------
// Agreements

export async function listAgreements(
  ctx: Ctx,
  actor: Actor,
  f: Omit<repo.AgreementFilter, 'endingBy'> & { expiringWithinDays?: number },
) {
  requireRead(actor);
  const endingBy = f.expiringWithinDays !== undefined ? addDays(today(ctx), f.expiringWithinDays) : undefined;
  return repo.listAgreements(ctx.db, actor.scope, { ...f, endingBy });
}

export async function getAgreement(ctx: Ctx, actor: Actor, id: number) {
  requireRead(actor);
  const a = await repo.getAgreement(ctx.db, actor.scope, id);
  if (!a) throw notFound('照料协议');
  return a;
}

/**
 * The agreement or the pledge as a PDF to print. Masked numbers by default; a role that may see
 * full numbers ('persons.sensitive') who states a purpose gets a signature copy with the parties'
 * full ID numbers and phone — through the export guard, so the print is in the audit log before the
 * bytes leave. A purpose from a role that may not see them changes nothing (masked, as the roster).
 */
export async function agreementDocument(
  ctx: Ctx,
  actor: Actor,
  id: number,
  kind: 'agreement' | 'pledge',
  o: { reason?: string; ip?: string | null } = {},
) {
  const a = await getAgreement(ctx, actor, id);
  const printed = `${actor.displayName} 打印于 ${chinaDateTime(ctx.clock.now())}`;
  let numbers = maskedNumbers(a);
  if (o.reason !== undefined && can(actor.roles, 'persons.sensitive')) {
    await authorizeFullNumberExport(ctx, actor, {
      what: kind === 'agreement' ? 'care.agreement' : 'care.pledge',
      reason: o.reason,
      areaId: a.town_id,
      ip: o.ip,
      filter: { agreementId: a.id },
    });
    const enc = await repo.agreementNumbers(ctx.db, a.id);
    numbers = {
      personId: ctx.fields.decrypt(enc.person_id_enc),
      caregiverId: ctx.fields.decrypt(enc.caregiver_id_enc),
      caregiverPhone: enc.caregiver_phone_enc ? ctx.fields.decrypt(enc.caregiver_phone_enc) : null,
      signatureCopy: true,
    };
  }
  const buf =
    kind === 'agreement'
      ? await agreementPdf(ctx, a, printed, numbers)
      : await pledgePdf(ctx, a, printed, numbers);
  const title = kind === 'agreement' ? '委托照料服务协议' : '诚信承诺书';
  return { buf, filename: `${title}-${a.person_name}-${a.id}.pdf`, fallback: `${kind}-${a.id}.pdf` };
}

export interface AgreementInput {
  personId: number;
  caregiverId: number;
  relation: string;
  partyLevel: 'town' | 'village';
  content: string;
  frequency: string;
  startDate: string;
  endDate: string;
  signedOn?: string;
  pledgeSignedOn?: string | null;
}

/** The monthly fee for a level from the area's fee table; a level with no fee is an input error. */
export async function feeFor(q: Queryable, areaId: number, level: SelfCare): Promise<number> {
  const s = await careSettings(q, areaId);
  const fee = s['care.feeTable'][level];
  if (typeof fee !== 'number' || !(fee >= 0)) {
    throw badRequest(
      `本辖区护理费标准中没有「${SELF_CARE_LABELS[level]}」一档，请先在照料设置中配置该档月护理费`,
      'monthlyFee',
    );
  }
  return fee;
}

export async function createAgreement(ctx: Ctx, actor: Actor, input: AgreementInput) {
  requireWrite(actor);
  if (input.endDate < input.startDate) throw badRequest('协议终止日期不能早于起始日期', 'endDate');
  if (addDays(input.startDate, 366 * 5) < input.endDate) throw badRequest('协议期限不能超过 5 年', 'endDate');
  const signedOn = input.signedOn ?? today(ctx);
  if (input.pledgeSignedOn && input.pledgeSignedOn > today(ctx)) {
    throw badRequest('承诺书签订日期不能晚于今天', 'pledgeSignedOn');
  }
  const now = ctx.clock.now();
  const id = await ctx.db.tx(async (q) => {
    const person = await repo.getCarePerson(q, actor.scope, input.personId, true);
    if (!person) throw notFound('特困人员');
    if (person.status === 'ended') {
      throw badRequest(`${person.name} 已终止供养，不能签订照料协议`, 'personId');
    }
    const caregiver = await repo.getCaregiver(q, actor.scope, input.caregiverId);
    if (!caregiver) throw notFound('照料服务人');
    for (const t of await repo.personAgreementTerms(q, person.id)) {
      if (input.startDate <= t.last_day && input.endDate >= t.start_date) {
        throw badRequest(
          `协议期限与该对象已有的协议（${t.start_date} 至 ${t.last_day}，${AGREEMENT_STATUS_LABELS[t.status as 'active']}）重叠`,
          'startDate',
        );
      }
      if (t.status === 'active') {
        throw conflict(`该对象已有生效中的照料协议（至 ${t.last_day}），请待其到期或先解除`, 'personId');
      }
    }
    const fee = await feeFor(q, person.village_id, person.self_care);
    const open = await repo.openReplacementOf(q, person.id);
    if (open && open.old_caregiver_id === caregiver.id) {
      throw badRequest('正在更换照料服务人：新协议须由新的照料服务人签订', 'caregiverId');
    }
    const s = await careSettings(q, person.village_id);
    const noticeTo = input.pledgeSignedOn
      ? addDays(input.pledgeSignedOn, s['care.pledgeNoticeDays'] - 1)
      : null;
    const status = input.endDate < today(ctx) ? 'expired' : 'active';
    const id = await repo.insertAgreement(q, {
      personId: person.id,
      caregiverId: caregiver.id,
      relation: input.relation,
      partyAreaId: input.partyLevel === 'village' ? person.village_id : person.town_id,
      townId: person.town_id,
      content: input.content,
      frequency: input.frequency,
      selfCare: person.self_care,
      monthlyFee: fee,
      startDate: input.startDate,
      endDate: input.endDate,
      signedOn,
      status,
      pledgeSignedOn: input.pledgeSignedOn ?? null,
      pledgeNoticeFrom: input.pledgeSignedOn ?? null,
      pledgeNoticeTo: noticeTo,
      replacementId: open?.id ?? null,
      by: actor.userId,
      now,
    });
    if (status === 'active') {
      await repo.closeAssignments(q, {
        personId: person.id,
        exceptCaregiverId: caregiver.id,
        toDate: addDays(input.startDate, -1),
        reason: '签订新的照料协议',
      });
      await repo.openAssignment(q, {
        caregiverId: caregiver.id,
        personId: person.id,
        relation: input.relation,
        fromDate: input.startDate,
        now,
      });
    }
    if (open && status === 'active') {
      await repo.completeReplacement(q, { id: open.id, caregiverId: caregiver.id, agreementId: id, now });
      await insertPersonEvent(q, {
        personId: person.id,
        at: now,
        kind: 'care.replacement_done',
        title: `更换照料服务人完成：新照料服务人 ${caregiver.name}`,
        actorId: actor.userId,
        refEntity: 'care_replacement',
        refId: open.id,
      });
    }
    await insertPersonEvent(q, {
      personId: person.id,
      at: now,
      kind: 'care.agreement',
      title: `签订照料协议：照料服务人 ${caregiver.name}，${input.startDate} 至 ${input.endDate}，月护理费 ${fee} 元`,
      actorId: actor.userId,
      refEntity: 'care_agreement',
      refId: id,
    });
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'care_agreement.create',
      entity: 'care_agreement',
      entityId: id,
      areaId: person.village_id,
      detail: {
        personId: person.id,
        caregiverId: caregiver.id,
        startDate: input.startDate,
        endDate: input.endDate,
        fee,
      },
    });
    return id;
  });
  return (await repo.getAgreement(ctx.db, actor.scope, id))!;
}

export async function terminateAgreement(
  ctx: Ctx,
  actor: Actor,
  id: number,
  input: {
    version: number;
    reason: string;
    terminatedOn?: string;
    startReplacement?: boolean;
    legalReferral?: boolean;
  },
) {
  requireWrite(actor);
  const now = ctx.clock.now();
  const on = input.terminatedOn ?? today(ctx);
  if (on > today(ctx)) throw badRequest('解除日期不能晚于今天', 'terminatedOn');
  await ctx.db.tx(async (q) => {
    const a = await repo.getAgreement(q, actor.scope, id);
    if (!a) throw notFound('照料协议');
    if (a.status !== 'active')
      throw conflict(`该协议${AGREEMENT_STATUS_LABELS[a.status]}，不能解除`, 'status');
    if (on < a.start_date) throw badRequest(`解除日期不能早于协议起始日期 ${a.start_date}`, 'terminatedOn');
    if (!(await repo.terminateAgreement(q, id, input.version, on, input.reason, now))) {
      throw conflict('协议已被他人修改，请刷新后重试', 'version');
    }
    await repo.closeAssignments(q, {
      personId: a.person_id,
      caregiverId: a.caregiver_id,
      toDate: on,
      reason: `协议解除：${input.reason}`,
    });
    if (input.startReplacement) {
      await repo.insertReplacement(q, {
        personId: a.person_id,
        townId: a.town_id,
        oldAgreementId: a.id,
        oldCaregiverId: a.caregiver_id,
        cause: 'manual',
        detail: input.reason,
        legalReferral: input.legalReferral,
        now,
      });
    }
    await insertPersonEvent(q, {
      personId: a.person_id,
      at: now,
      kind: 'care.agreement_terminated',
      title: `解除照料协议（照料服务人 ${a.caregiver_name}）：${input.reason}`,
      actorId: actor.userId,
      refEntity: 'care_agreement',
      refId: id,
    });
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'care_agreement.terminate',
      entity: 'care_agreement',
      entityId: id,
      areaId: a.village_id,
      detail: { reason: input.reason, terminatedOn: on },
    });
  });
  return (await repo.getAgreement(ctx.db, actor.scope, id))!;
}

/** Records the pledge's signing date; its public notice period starts then. */
/** A terminated agreement is closed: no pledge, scan or review is added to it any more. */
function assertNotTerminated(a: { status: string; terminated_on: string | null }, what: string) {
  if (a.status === 'terminated')
    throw conflict(`该照料协议已于 ${a.terminated_on ?? ''} 解除，不能再${what}`, 'status');
}

export async function recordPledge(
  ctx: Ctx,
  actor: Actor,
  id: number,
  input: { version: number; signedOn: string },
) {
  requireWrite(actor);
  if (input.signedOn > today(ctx)) throw badRequest('承诺书签订日期不能晚于今天', 'signedOn');
  const now = ctx.clock.now();
  await ctx.db.tx(async (q) => {
    const a = await repo.getAgreement(q, actor.scope, id);
    if (!a) throw notFound('照料协议');
    assertNotTerminated(a, '登记承诺书');
    const s = await careSettings(q, a.village_id);
    const noticeTo = addDays(input.signedOn, s['care.pledgeNoticeDays'] - 1);
    if (
      !(await repo.setPledge(q, id, input.version, {
        signedOn: input.signedOn,
        noticeFrom: input.signedOn,
        noticeTo,
        now,
      }))
    ) {
      throw conflict('协议已被他人修改，请刷新后重试', 'version');
    }
    await insertPersonEvent(q, {
      personId: a.person_id,
      at: now,
      kind: 'care.pledge',
      title: `照料服务人 ${a.caregiver_name} 签订诚信承诺书，公示至 ${noticeTo}`,
      actorId: actor.userId,
      refEntity: 'care_agreement',
      refId: id,
    });
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'care_agreement.pledge',
      entity: 'care_agreement',
      entityId: id,
      areaId: a.village_id,
      detail: { signedOn: input.signedOn, noticeTo },
    });
  });
  return (await repo.getAgreement(ctx.db, actor.scope, id))!;
}

const SCAN_TYPES: Record<string, string> = {
  'application/pdf': 'pdf',
  'image/jpeg': 'jpg',
  'image/png': 'png',
};

export async function uploadScan(
  ctx: Ctx,
  actor: Actor,
  id: number,
  file: { kind: 'agreement' | 'pledge'; filename: string; mime: string; content: Buffer },
) {
  requireWrite(actor);
  if (!SCAN_TYPES[file.mime]) throw badRequest('扫描件须为 PDF、JPG 或 PNG 文件', 'file');
  if (file.content.length === 0) throw badRequest('文件为空', 'file');
  const magic = file.content.subarray(0, 4).toString('latin1');
  const ok =
    (file.mime === 'application/pdf' && magic === '%PDF') ||
    (file.mime === 'image/png' && magic === '\x89PNG') ||
    (file.mime === 'image/jpeg' && file.content[0] === 0xff && file.content[1] === 0xd8);
  if (!ok) throw badRequest('文件内容与类型不符', 'file');
  const now = ctx.clock.now();
  // In the store (when there is one) before the transaction that names it (modules/files).
  const kept = await keepFile(ctx, file.content);
  return ctx.db.tx(async (q) => {
    const a = await repo.getAgreement(q, actor.scope, id);
    if (!a) throw notFound('照料协议');
    assertNotTerminated(a, '上传扫描件');
    const fileId = await repo.insertFile(q, {
      agreementId: id,
      kind: file.kind,
      filename: file.filename.slice(-120),
      mime: file.mime,
      file: kept,
      by: actor.userId,
      now,
    });
    await insertPersonEvent(q, {
      personId: a.person_id,
      at: now,
      kind: 'care.scan',
      title: `上传已签${file.kind === 'agreement' ? '照料协议' : '诚信承诺书'}扫描件`,
      actorId: actor.userId,
      refEntity: 'care_agreement',
      refId: id,
    });
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'care_agreement.scan',
      entity: 'care_agreement',
      entityId: id,
      areaId: a.village_id,
      detail: { kind: file.kind, fileId, size: file.content.length },
    });
    return { id: fileId, kind: file.kind, filename: file.filename, size: file.content.length };
  });
}

export async function getScan(ctx: Ctx, actor: Actor, id: number, fileId: number) {
  await getAgreement(ctx, actor, id);
  const f = await repo.getFile(ctx.db, id, fileId);
  if (!f) throw notFound('扫描件');
  return { id: f.id, kind: f.kind, filename: f.filename, mime: f.mime, content: await fileBytes(ctx, f) };
}

export async function personsNeedingAgreement(ctx: Ctx, actor: Actor, f: { areaId?: number; limit: number }) {
  requireRead(actor);
  const areaForSettings = f.areaId ?? null;
  const s = await careSettings(ctx.db, areaForSettings);
  return repo.personsNeedingAgreement(ctx.db, actor.scope, { ...f, levels: s['care.needingLevels'] });
}

/** The public notice list: masked names, town and dates only. */
export async function publicPledges(ctx: Ctx) {
  const rows = await repo.pledgesInNotice(ctx.db, today(ctx));
  return rows.map((r) => ({
    caregiverName: maskName(r.caregiver_name),
    personName: maskName(r.person_name),
    town: r.town_name,
    signedOn: r.pledge_signed_on,
    noticeFrom: r.pledge_notice_from,
    noticeTo: r.pledge_notice_to,
  }));
}

// ---------------------------------------------------------------------------------------------
// Reviews

/** What visits in the period observed about the caregiver (section H), read from the visit records. */
export async function visitObservations(
  q: Queryable,
  personId: number,
  from: string,
  to: string,
): Promise<VisitObservations> {
  const visits = await qualifyingVisitAnswers(
    q,
    personId,
    chinaDayStart(from),
    chinaDayStart(addDays(to, 1)),
  );
  const o: VisitObservations = {
    visits: visits.length,
    duty: { yes: 0, partly: 0, no: 0 },
    seriousInfringements: 0,
  };
  for (const answers of visits) {
    const h = caregiverOf(answers);
    if (h.duty === 'yes' || h.duty === 'partly' || h.duty === 'no') o.duty[h.duty]++;
    if (h.seriousInfringement) o.seriousInfringements++;
  }
  return o;
}

export interface ReviewInput {
  agreementId: number;
  periodFrom?: string;
  periodTo?: string;
  satisfaction: number;
  neighbours: { name: string; score: number; comment?: string | null }[];
  note?: string | null;
}

export async function createReview(ctx: Ctx, actor: Actor, input: ReviewInput) {
  requireWrite(actor);
  const now = ctx.clock.now();
  const id = await ctx.db.tx(async (q) => {
    const a = await repo.getAgreement(q, actor.scope, input.agreementId);
    if (!a) throw notFound('照料协议');
    assertNotTerminated(a, '考核');
    const s = await careSettings(q, a.village_id);
    const rule: ReviewRule = s['care.review'];
    const def = previousReviewPeriod(today(ctx), rule.periodMonths);
    const lastDay = a.terminated_on ? addDays(a.terminated_on, -1) : a.end_date;
    // The default period (the last full one) is clamped to the agreement's term.
    const from = input.periodFrom ?? laterDate(def.from, a.start_date);
    const to = input.periodTo ?? earlierDate(def.to, lastDay);
    if (to < a.start_date || from > lastDay || (!input.periodFrom && from > to)) {
      throw badRequest(
        `考核期间（${input.periodFrom ? from : def.from} 至 ${input.periodTo ? to : def.to}）不在协议期限（${a.start_date} 至 ${lastDay}）内，请指定考核期间`,
        'periodFrom',
      );
    }
    if (to < from) throw badRequest('考核期间的结束日期不能早于开始日期', 'periodTo');
    if (to > today(ctx)) throw badRequest('考核期间尚未结束', 'periodTo');
    if (await repo.reviewExists(q, a.id, from, to)) throw conflict('该期间已有考核评价', 'periodFrom');
    const observations = await visitObservations(q, a.person_id, from, to);
    const result = scoreReview(
      {
        satisfaction: input.satisfaction,
        neighbourScores: input.neighbours.map((n) => n.score),
        observations,
      },
      rule,
    );
    const reviewId = await repo.insertReview(q, {
      agreementId: a.id,
      personId: a.person_id,
      caregiverId: a.caregiver_id,
      periodFrom: from,
      periodTo: to,
      satisfaction: input.satisfaction,
      neighbours: input.neighbours,
      observations,
      ...result,
      rule,
      note: input.note ?? null,
      by: actor.userId,
      now,
    });
    await insertPersonEvent(q, {
      personId: a.person_id,
      at: now,
      kind: 'care.review',
      title: `照料服务人 ${a.caregiver_name} 考核评价（${from} 至 ${to}）：${result.score} 分，${result.passed ? '合格' : '不合格'}`,
      actorId: actor.userId,
      refEntity: 'caregiver_review',
      refId: reviewId,
    });
    if (!result.passed && a.status === 'active') {
      await openReplacement(q, {
        personId: a.person_id,
        townId: a.town_id,
        villageId: a.village_id,
        agreementId: a.id,
        caregiverId: a.caregiver_id,
        caregiverName: a.caregiver_name,
        personName: a.person_name,
        cause: 'review_failed',
        reviewId,
        detail: `考核得分 ${result.score}，低于合格线 ${rule.passScore}`,
        actorId: actor.userId,
        now,
      });
    }
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'caregiver_review.create',
      entity: 'caregiver_review',
      entityId: reviewId,
      areaId: a.village_id,
      detail: { agreementId: a.id, score: result.score, passed: result.passed },
    });
    return reviewId;
  });
  return (await repo.getReview(ctx.db, actor.scope, id))!;
}

export async function listReviews(ctx: Ctx, actor: Actor, f: Parameters<typeof repo.listReviews>[2]) {
  requireRead(actor);
  return repo.listReviews(ctx.db, actor.scope, f);
}

// ---------------------------------------------------------------------------------------------
// Replacement cases

/** Opens a replacement case (once per person while open), on the timeline and in the town's inbox. */
export async function openReplacement(
  q: Queryable,
  r: {
    personId: number;
    personName: string;
    townId: number;
    villageId: number;
    agreementId: number | null;
    caregiverId: number | null;
    caregiverName: string | null;
    cause: 'review_failed' | 'serious_infringement' | 'manual';
    reviewId?: number;
    visitRef?: string;
    detail?: string;
    actorId: number | null;
    now: Date;
  },
): Promise<number | null> {
  const id = await repo.insertReplacement(q, {
    personId: r.personId,
    townId: r.townId,
    oldAgreementId: r.agreementId,
    oldCaregiverId: r.caregiverId,
    cause: r.cause,
    reviewId: r.reviewId,
    visitRef: r.visitRef,
    detail: r.detail,
    legalReferral: false,
    now: r.now,
  });
  if (id === null) return null;
  const title = `${r.personName}：需更换照料服务人（${REPLACEMENT_CAUSE_LABELS[r.cause]}）`;
  await insertPersonEvent(q, {
    personId: r.personId,
    at: r.now,
    kind: 'care.replacement_opened',
    title: `启动更换照料服务人：${REPLACEMENT_CAUSE_LABELS[r.cause]}${r.caregiverName ? `（原照料服务人 ${r.caregiverName}）` : ''}`,
    actorId: r.actorId,
    refEntity: 'care_replacement',
    refId: id,
  });
  await notify(q, {
    recipients: [
      { role: 'town_officer', areaId: r.villageId },
      { role: 'village_officer', areaId: r.villageId },
    ],
    kind: 'care.replacement',
    title,
    body: `${r.detail ?? ''} 请解除原协议、确定新的照料服务人并重新签订协议。`.trim(),
    ref: { entity: 'care_replacement', id },
    dedupeKey: `care.replacement:${id}`,
    now: r.now,
  });
  return id;
}

export async function listReplacements(
  ctx: Ctx,
  actor: Actor,
  f: Parameters<typeof repo.listReplacements>[2],
) {
  requireRead(actor);
  return repo.listReplacements(ctx.db, actor.scope, f);
}

export async function getReplacement(ctx: Ctx, actor: Actor, id: number) {
  requireRead(actor);
  const r = await repo.getReplacement(ctx.db, actor.scope, id);
  if (!r) throw notFound('更换照料服务人事项');
  return r;
}

export async function createReplacement(
  ctx: Ctx,
  actor: Actor,
  input: { personId: number; detail: string; legalReferral?: boolean },
) {
  requireWrite(actor);
  const now = ctx.clock.now();
  const id = await ctx.db.tx(async (q) => {
    const p = await repo.getCarePerson(q, actor.scope, input.personId, true);
    if (!p) throw notFound('特困人员');
    const a = await repo.activeAgreementOf(q, p.id);
    const c = a ? await repo.getCaregiver(q, { ...actor.scope, all: true }, a.caregiver_id) : undefined;
    const id = await openReplacement(q, {
      personId: p.id,
      personName: p.name,
      townId: p.town_id,
      villageId: p.village_id,
      agreementId: a?.id ?? null,
      caregiverId: a?.caregiver_id ?? null,
      caregiverName: c?.name ?? null,
      cause: 'manual',
      detail: input.detail,
      actorId: actor.userId,
      now,
    });
    if (id === null) throw conflict('该对象已有办理中的更换照料服务人事项', 'personId');
    if (input.legalReferral) {
      await repo.flagLegalReferral(q, id);
    }
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'care_replacement.create',
      entity: 'care_replacement',
      entityId: id,
      areaId: p.village_id,
      detail: { personId: p.id, detail: input.detail },
    });
    return id;
  });
  return getReplacement(ctx, actor, id);
}

export async function updateReplacement(
  ctx: Ctx,
  actor: Actor,
  id: number,
  input: {
    version: number;
    newCaregiverId?: number | null;
    legalReferral?: boolean;
    legalNote?: string | null;
    cancel?: boolean;
  },
) {
  requireWrite(actor);
  const now = ctx.clock.now();
  await ctx.db.tx(async (q) => {
    const r = await repo.getReplacement(q, actor.scope, id);
    if (!r) throw notFound('更换照料服务人事项');
    if (r.status !== 'open') throw conflict('该事项已办结', 'status');
    if (input.newCaregiverId != null) {
      if (input.newCaregiverId === r.old_caregiver_id)
        throw badRequest('新的照料服务人不能是原照料服务人', 'newCaregiverId');
      if (!(await repo.getCaregiver(q, actor.scope, input.newCaregiverId))) throw notFound('照料服务人');
    }
    const ok = await repo.updateReplacement(q, id, input.version, {
      newCaregiverId: input.newCaregiverId,
      legalReferral: input.legalReferral,
      legalNote: input.legalNote,
      status: input.cancel ? 'cancelled' : undefined,
      now,
    });
    if (!ok) throw conflict('该事项已被他人修改，请刷新后重试', 'version');
    if (input.legalReferral && !r.legal_referral) {
      await insertPersonEvent(q, {
        personId: r.person_id,
        at: now,
        kind: 'care.legal_referral',
        title: '照料服务人严重侵害权益：移交追究法律责任',
        actorId: actor.userId,
        refEntity: 'care_replacement',
        refId: id,
      });
    }
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'care_replacement.update',
      entity: 'care_replacement',
      entityId: id,
      detail: { ...input },
    });
  });
  return getReplacement(ctx, actor, id);
}

// ---------------------------------------------------------------------------------------------
// Settings

export async function getSettings(ctx: Ctx, actor: Actor, areaId: number | null) {
  requireRead(actor);
  if (areaId !== null && !inScope(actor.scope, areaId)) throw notFound('辖区');
  return careSettingsWithSource(ctx.db, areaId);
}

export async function putSetting(
  ctx: Ctx,
  actor: Actor,
  input: { areaId: number | null; key: string; value: unknown | null },
) {
  if (!can(actor.roles, 'config.manage')) throw forbidden('无权修改配置');
  if (input.areaId !== null && !(await getArea(ctx.db, input.areaId))) throw notFound('辖区');
  if (input.key === 'care.feeTable' && input.value) {
    for (const [k, v] of Object.entries(input.value as Record<string, unknown>)) {
      if (!SELF_CARE_LEVELS.includes(k as SelfCare)) throw badRequest(`未知的自理等级 ${k}`, `value.${k}`);
      if (typeof v !== 'number' || !(v >= 0)) throw badRequest('护理费须为非负数', `value.${k}`);
    }
  }
  const now = ctx.clock.now();
  await ctx.db.tx(async (q) => {
    await settings.putSetting(q, {
      areaId: input.areaId,
      key: input.key,
      value: input.value,
      by: actor.userId,
      now,
    });
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'setting.update',
      entity: 'setting',
      entityId: input.key,
      areaId: input.areaId,
      detail: { value: input.value as any },
    });
  });
  return careSettingsWithSource(ctx.db, input.areaId);
}

// ---------------------------------------------------------------------------------------------
// Jobs

/**
 * Daily: active agreements whose term ended become expired (their care spell closes), and agreements
 * ending within the notice window are announced once in the inbox of the town and village officers.
 */
export async function runAgreementJob(ctx: Ctx) {
  const now = ctx.clock.now();
  const d = today(ctx);
  return ctx.db.tx(async (q) => {
    const expired = await repo.expireEnded(q, d, now);
    for (const e of expired) {
      await repo.closeAssignments(q, {
        personId: e.person_id,
        caregiverId: e.caregiver_id,
        toDate: e.end_date,
        reason: '协议到期',
      });
      await insertPersonEvent(q, {
        personId: e.person_id,
        at: now,
        kind: 'care.agreement_expired',
        title: `照料协议到期（${e.end_date}）`,
        refEntity: 'care_agreement',
        refId: e.id,
      });
    }
    // The notice window is configurable per area: find candidates with the widest window in use, then
    // claim each one inside its own area's window. The claim (an update of a null column) is what makes
    // the notice go out exactly once, even with two processes running the job.
    const windows = await settingRows(q, ['care.expiryNoticeDays']);
    const widest = Math.max(
      CARE_DEFAULTS['care.expiryNoticeDays'],
      ...windows.map((r) => Number(r.value) || 0),
    );
    let notified = 0;
    for (const c of await repo.expiryCandidates(q, addDays(d, widest))) {
      const own = (await careSettings(q, c.village_id))['care.expiryNoticeDays'];
      if (c.end_date > addDays(d, own)) continue;
      if (!(await repo.claimExpiryNotice(q, c.id, now))) continue;
      await notify(q, {
        recipients: [
          { role: 'town_officer', areaId: c.village_id },
          { role: 'village_officer', areaId: c.village_id },
        ],
        kind: 'care.agreement_expiring',
        title: `照料协议将于 ${c.end_date} 到期：${c.person_name}（照料服务人 ${c.caregiver_name}）`,
        body: '请及时续签或另行安排照料服务人。',
        ref: { entity: 'care_agreement', id: c.id },
        dedupeKey: `care.agreement_expiring:${c.id}`,
        now,
      });
      await insertPersonEvent(q, {
        personId: c.person_id,
        at: now,
        kind: 'care.agreement_expiring',
        title: `照料协议将于 ${c.end_date} 到期，已提醒镇街、村居`,
        refEntity: 'care_agreement',
        refId: c.id,
      });
      notified++;
    }
    return { expired: expired.length, notified };
  });
}

/** Visit handler: a visit reporting serious infringement by the caregiver starts a replacement case. */
export async function onVisitForCare(
  q: Queryable,
  v: { id: number; personId: number; infringementNote?: string; actorId: number; now: Date },
) {
  const a = await repo.activeAgreementOf(q, v.personId);
  const p = await repo.getCarePerson(q, SYSTEM_SCOPE, v.personId);
  if (!p) return;
  const c = a ? await repo.getCaregiver(q, SYSTEM_SCOPE, a.caregiver_id) : undefined;
  await openReplacement(q, {
    personId: p.id,
    personName: p.name,
    townId: p.town_id,
    villageId: p.village_id,
    agreementId: a?.id ?? null,
    caregiverId: a?.caregiver_id ?? null,
    caregiverName: c?.name ?? null,
    cause: 'serious_infringement',
    visitRef: String(v.id),
    detail: v.infringementNote ? `探访发现：${v.infringementNote}` : '探访发现照料服务人严重侵害特困人员权益',
    actorId: v.actorId,
    now: v.now,
  });
}
