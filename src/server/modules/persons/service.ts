import { randomBytes } from 'node:crypto';
import { chinaDate } from '../../../shared/china-time.js';
import { maskIdNumber, maskPhone, parseIdNumber } from '../../../shared/id-card.js';
import {
  type BenefitCardState,
  deriveSelfCare,
  END_REASON_LABELS,
  type EndReason,
  PERSON_STATUS_LABELS,
  type PersonStatus,
  SELF_CARE_LABELS,
  type SelfCare,
  type SelfCareIndicators,
  tierOf,
} from '../../../shared/person.js';
import { can } from '../../../shared/roles.js';
import { normalizePhone, toHalfWidth } from '../../../shared/roster.js';
import type { Ctx } from '../../context.js';
import type { Queryable } from '../../db/db.js';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../http/errors.js';
import { type Actor, inScope, SYSTEM_SCOPE } from '../../http/scope.js';
import { getArea } from '../areas/index.js';
import { appendAudit } from '../audit/index.js';
import { emitPersonEvent } from './hooks.js';
import * as repo from './repo.js';

const today = (ctx: Ctx) => chinaDate(ctx.clock.now());

/** True when the actor may change this person: a write role whose areas cover the person's village. */
function canWrite(actor: Actor, p: { town_id: number; village_id: number }) {
  return (
    can(actor.roles, 'persons.write') &&
    (inScope(actor.scope, p.village_id) || inScope(actor.scope, p.town_id))
  );
}

/** The person (in scope) that the actor may change, or 404 / 403. */
/**
 * A conflict with a person file the actor may not see (another town's): its name, village and number
 * stay hidden. Thrown inside a transaction (which it rolls back); `withIdentityConflicts` then
 * records it in the audit log under a reference (`IC-XXXXXXXX`) and answers that reference, which
 * the bureau looks up (audit search: entity `identity_conflict`, record = the reference; the row
 * names the person). Where nobody converts it, it is still a plain 409 without details.
 */
class ForeignIdentity extends AppError {
  constructor(
    readonly personIds: number[],
    readonly via: 'create' | 'similar' | 'edit' | 'status' | 'import',
    code: string,
    field: string,
    /** The answer, given the reference. */
    readonly say: (ref: string) => string,
  ) {
    super(409, code, say('（未记录）'), field);
  }
}

const REF_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';

/** A new reference for an identity conflict, e.g. IC-7K2M9QXD. */
function newConflictRef(): string {
  const bytes = randomBytes(8);
  return `IC-${Array.from(bytes, (b) => REF_ALPHABET[b % 32]).join('')}`;
}

/**
 * Records that the actor met files outside their reach while creating or changing one (an identity
 * oracle otherwise): one audit row per person, in a statement of its own (the change itself was
 * rolled back). Returns the reference the user is told.
 */
export async function recordIdentityConflict(
  ctx: Ctx,
  actor: Actor,
  personIds: number[],
  via: ForeignIdentity['via'],
  extra: Record<string, unknown> = {},
): Promise<string> {
  const ref = newConflictRef();
  for (const personId of personIds) {
    await appendAudit(ctx.db, {
      at: ctx.clock.now(),
      actorId: actor.userId,
      action: 'person.identity_conflict',
      entity: 'identity_conflict',
      entityId: ref,
      detail: { personId, via, ...extra },
    });
  }
  return ref;
}

/** Runs `f`; a `ForeignIdentity` it throws is recorded and answered with its reference. */
async function withIdentityConflicts<T>(ctx: Ctx, actor: Actor, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (!(e instanceof ForeignIdentity)) throw e;
    const ref = await recordIdentityConflict(ctx, actor, e.personIds, e.via);
    throw new AppError(409, e.code, e.say(ref), e.field);
  }
}

/** Whether the actor's areas reach a file (the persons they may see by area). */
const reaches = (actor: Actor, p: { town_id: number; village_id: number }) =>
  inScope(actor.scope, p.village_id) || inScope(actor.scope, p.town_id);

const foreignIdNumber = (id: number, via: ForeignIdentity['via'], field: string) =>
  new ForeignIdentity(
    [id],
    via,
    'DUPLICATE_ID_NUMBER',
    field,
    (ref) =>
      `该身份证号码已在其他辖区登记在册，同一人只能有一份在册档案。如需迁入，请联系民政局核实（参考编号 ${ref}）`,
  );

async function loadWritable(q: Queryable, actor: Actor, id: number, forUpdate = false) {
  const p = await repo.getPerson(q, actor.scope, id, forUpdate);
  if (!p) throw notFound('对象');
  if (!canWrite(actor, p)) throw forbidden('无权修改该对象的档案');
  return p;
}

/** A village the actor may file persons in; returns it with its town id. */
async function resolveVillage(q: Queryable, actor: Actor | null, villageId: number, field = 'villageId') {
  const v = await getArea(q, villageId);
  if (!v || (actor && !inScope(actor.scope, villageId))) throw notFound('村（社区）');
  if (v.level !== 'village') throw badRequest('请选择村（社区）一级的辖区', field);
  if (v.retired_at) throw badRequest(`${v.name}已撤销，不能登记对象`, field);
  return { villageId: v.id, townId: v.parent_id!, villageName: v.name };
}

/** Checks that a user can be the visitor of a person in this village: a visitor of the village or its town. */
export async function assertVisitorFor(
  q: Queryable,
  visitorId: number,
  area: { villageId: number; townId: number },
  field = 'visitorId',
) {
  const v = await repo.getVisitor(q, visitorId);
  if (!v) throw badRequest('所选用户不是探访责任人', field);
  if (v.disabled_at) throw badRequest(`${v.display_name} 的账户已停用，不能承担探访`, field);
  if (!v.areas.some((a) => a.id === area.villageId || a.id === area.townId)) {
    throw badRequest(`${v.display_name} 不是该对象所在村（社区）或镇（街道）的探访责任人`, field);
  }
  return v;
}

function encryptIdentity(ctx: Ctx, idNumber: string) {
  return {
    idNumberEnc: ctx.fields.encrypt(idNumber),
    idNumberHash: ctx.fields.hash(idNumber),
    idNumberMasked: maskIdNumber(idNumber),
  };
}

function encryptPhone(ctx: Ctx, phone: string | null | undefined, field = 'phone') {
  if (phone === undefined) return {};
  if (phone === null || phone.trim() === '') return { phoneEnc: null, phoneHash: null, phoneMasked: null };
  const p = normalizePhone(phone);
  if (!p) throw badRequest('联系电话格式不正确（手机 11 位或带区号的固定电话）', field);
  return { phoneEnc: ctx.fields.encrypt(p), phoneHash: ctx.fields.hash(p), phoneMasked: maskPhone(p) };
}

function checkIdNumber(ctx: Ctx, raw: string, field = 'idNumber') {
  const r = parseIdNumber(raw, today(ctx));
  if (!r.ok) throw badRequest(r.message, field);
  return r;
}

function checkCard(input: { benefitCard?: BenefitCardState; cardCustodian?: string | null }) {
  if (input.benefitCard === 'custodian' && !input.cardCustodian?.trim()) {
    throw badRequest('一卡通由他人代管时须填写代管人', 'cardCustodian');
  }
}

export interface PersonInput {
  name: string;
  idNumber: string;
  ethnicity?: string | null;
  phone?: string | null;
  registeredAddress?: string | null;
  currentAddress?: string | null;
  villageId: number;
  latitude?: number | null;
  longitude?: number | null;
  supportStart: string;
  certificateNo?: string | null;
  /** Either the level, or the six indicators of a first assessment (which then decide the level). */
  selfCare?: SelfCare;
  indicators?: SelfCareIndicators;
  assessedOn?: string;
  flags?: string[];
  flagNote?: string | null;
  benefitCard?: BenefitCardState;
  cardCustodian?: string | null;
  cardCustodianReason?: string | null;
  visitorId?: number | null;
  note?: string | null;
  /** The user saw the "same name and birth date" warning and saves anyway. */
  allowSimilar?: boolean;
}

/** Creates a person file with its first assessment, assignment, status row and timeline entry. */
export async function createPerson(ctx: Ctx, actor: Actor, input: PersonInput): Promise<number> {
  if (!can(actor.roles, 'persons.write')) throw forbidden('无权新建对象档案');
  const id = checkIdNumber(ctx, input.idNumber);
  const level = input.indicators ? deriveSelfCare(input.indicators) : input.selfCare;
  if (!level) throw badRequest('请填写生活自理能力评估（六项指标）或自理能力等级', 'selfCare');
  if (input.supportStart > today(ctx)) throw badRequest('供养开始日期不能晚于今天', 'supportStart');
  checkCard(input);
  const phone = encryptPhone(ctx, input.phone);
  const now = ctx.clock.now();
  return withIdentityConflicts(ctx, actor, () =>
    ctx.db.tx(async (q) => {
      const area = await resolveVillage(q, actor, input.villageId);
      const identity = encryptIdentity(ctx, id.value);
      const live = await repo.findLiveByIdHash(q, identity.idNumberHash);
      if (live) {
        if (!reaches(actor, live)) throw foreignIdNumber(live.id, 'create', 'idNumber');
        throw new AppError(
          409,
          'DUPLICATE_ID_NUMBER',
          `该身份证号码已有在册档案（${live.name}），同一人只能有一份在册档案`,
          'idNumber',
        );
      }
      if (!input.allowSimilar) {
        const similar = await repo.findSimilar(q, input.name.trim(), id.birthDate);
        const mine = similar.filter((s) => reaches(actor, s));
        const others = similar.filter((s) => !reaches(actor, s));
        const listed = mine.map((s) => `${s.name}（${s.village_name}，${s.id_number_masked}）`).join('、');
        if (others.length) {
          throw new ForeignIdentity(
            others.map((s) => s.id),
            'similar',
            'POSSIBLE_DUPLICATE',
            'name',
            (ref) =>
              `${listed ? `已有同名且出生日期相同的档案：${listed}；` : ''}其他辖区有同名且出生日期相同的在册档案（参考编号 ${ref}），可能是同一人。确认不是同一人后可继续保存；如是同一人，请联系民政局核实`,
          );
        }
        if (mine.length) {
          throw new AppError(
            409,
            'POSSIBLE_DUPLICATE',
            `已有同名且出生日期相同的档案：${listed}。确认不是同一人后可继续保存`,
            'name',
          );
        }
      }
      if (input.visitorId) await assertVisitorFor(q, input.visitorId, area);
      const personId = await repo.insertPerson(q, {
        name: input.name.trim(),
        ...identity,
        ...phone,
        birthDate: id.birthDate,
        sex: id.sex,
        ethnicity: input.ethnicity ?? null,
        registeredAddress: input.registeredAddress ?? null,
        currentAddress: input.currentAddress ?? null,
        townId: area.townId,
        villageId: area.villageId,
        supportStart: input.supportStart,
        selfCare: level,
        tier: tierOf(level),
        flags: input.flags ?? [],
        benefitCard: input.benefitCard ?? 'self',
        cardCustodian: input.cardCustodian ?? null,
        visitorId: input.visitorId ?? null,
        now,
      });
      await repo.setPersonExtras(q, personId, {
        latitude: input.latitude ?? null,
        longitude: input.longitude ?? null,
        certificateNo: input.certificateNo ?? null,
        flagNote: input.flagNote ?? null,
        cardCustodianReason: input.cardCustodianReason ?? null,
        note: input.note ?? null,
      });
      await repo.insertAssessment(q, {
        personId,
        assessedOn: input.assessedOn ?? input.supportStart,
        indicators: input.indicators ?? {},
        level,
        assessorName: actor.displayName,
        assessorId: actor.userId,
        note: input.indicators ? null : '建档时登记的等级',
        now,
      });
      await repo.insertStatusChange(q, {
        personId,
        status: 'active',
        effectiveOn: input.supportStart,
        reason: '建档',
        actorId: actor.userId,
        now,
      });
      if (input.visitorId)
        await repo.openAssignments(q, [personId], input.visitorId, 'responsible', actor.userId, now);
      await repo.insertPersonEvent(q, {
        personId,
        at: now,
        kind: 'person.created',
        title: `建档：${SELF_CARE_LABELS[level]}（${tierOf(level) === 'key' ? '重点探访' : '普遍探访'}）`,
        actorId: actor.userId,
      });
      await appendAudit(q, {
        at: now,
        actorId: actor.userId,
        action: 'person.create',
        entity: 'person',
        entityId: personId,
        areaId: area.villageId,
        detail: { name: input.name, idNumber: identity.idNumberMasked },
      });
      await emitPersonEvent(ctx, 'created', q, { personIds: [personId], at: now, actorId: actor.userId });
      return personId;
    }),
  );
}

/** The file as the actor may see it (404 outside scope); each view is audited. */
export async function getPersonFile(ctx: Ctx, actor: Actor, id: number) {
  if (!can(actor.roles, 'persons.read')) throw forbidden();
  // The three reads at once (separate connections on PostgreSQL); the assessments and assignments
  // of a person outside the actor's scope are read and dropped, never answered. The view is audited
  // before anything is answered, in a statement of its own (nothing else to commit with it).
  const [p, assessments, assignments] = await Promise.all([
    repo.getPerson(ctx.db, actor.scope, id),
    repo.listAssessments(ctx.db, id),
    repo.listAssignments(ctx.db, id),
  ]);
  if (!p) throw notFound('对象');
  await appendAudit(ctx.db, {
    at: ctx.clock.now(),
    actorId: actor.userId,
    action: 'person.view',
    entity: 'person',
    entityId: id,
    areaId: p.village_id,
  });
  return {
    person: p,
    assessments,
    assignments,
    canWrite: canWrite(actor, p),
    canRevealIdNumber: can(actor.roles, 'persons.sensitive') && canWrite(actor, p),
  };
}

/**
 * The full ID number (officers of the person's area) and phone (those officers and the person's own
 * visitors, who must be able to call). Every reveal is audited as 'person.view_sensitive'.
 */
export async function revealSensitive(ctx: Ctx, actor: Actor, id: number) {
  return ctx.db.tx(async (q) => {
    const p = await repo.getPerson(q, actor.scope, id);
    if (!p) throw notFound('对象');
    const officer = can(actor.roles, 'persons.sensitive') && canWrite(actor, p);
    const ownVisitor =
      p.visitor_id === actor.userId || (await repo.backupVisitorIds(q, id)).includes(actor.userId);
    if (!officer && !ownVisitor) throw forbidden('无权查看完整身份证号码和电话');
    const out = {
      idNumber: officer ? ctx.fields.decrypt(p.id_number_enc) : null,
      phone: p.phone_enc ? ctx.fields.decrypt(p.phone_enc) : null,
    };
    await appendAudit(q, {
      at: ctx.clock.now(),
      actorId: actor.userId,
      action: 'person.view_sensitive',
      entity: 'person',
      entityId: id,
      areaId: p.village_id,
      detail: { fields: officer ? ['idNumber', 'phone'] : ['phone'] },
    });
    return out;
  });
}

export type PersonPatchInput = Partial<
  Omit<PersonInput, 'selfCare' | 'indicators' | 'assessedOn' | 'visitorId' | 'allowSimilar'>
> & {
  version: number;
};

/** Edits the file's identity, address, flags and card fields. Level, status and visitor have their own use cases. */
export async function updatePersonFile(ctx: Ctx, actor: Actor, id: number, input: PersonPatchInput) {
  const now = ctx.clock.now();
  checkCard(input);
  return withIdentityConflicts(ctx, actor, () => updateFileTx(ctx, actor, id, input, now));
}

function updateFileTx(ctx: Ctx, actor: Actor, id: number, input: PersonPatchInput, now: Date) {
  return ctx.db.tx(async (q) => {
    const before = await loadWritable(q, actor, id, true);
    if (before.version !== input.version) throw conflict('档案已被他人修改，请刷新后重试', 'version');
    const patch: repo.PersonPatch = {
      name: input.name?.trim(),
      ethnicity: input.ethnicity,
      registeredAddress: input.registeredAddress,
      currentAddress: input.currentAddress,
      latitude: input.latitude,
      longitude: input.longitude,
      supportStart: input.supportStart,
      certificateNo: input.certificateNo,
      flags: input.flags,
      flagNote: input.flagNote,
      benefitCard: input.benefitCard,
      cardCustodian: input.benefitCard && input.benefitCard !== 'custodian' ? null : input.cardCustodian,
      cardCustodianReason:
        input.benefitCard && input.benefitCard !== 'custodian' ? null : input.cardCustodianReason,
      note: input.note,
      ...encryptPhone(ctx, input.phone),
    };
    const changed: string[] = Object.entries(input)
      .filter(([k, v]) => v !== undefined && k !== 'version' && k !== 'idNumber' && k !== 'phone')
      .map(([k]) => k);
    if (input.idNumber !== undefined) {
      const r = checkIdNumber(ctx, input.idNumber);
      const identity = encryptIdentity(ctx, r.value);
      const live = await repo.findLiveByIdHash(q, identity.idNumberHash, id);
      if (live && !reaches(actor, live)) throw foreignIdNumber(live.id, 'edit', 'idNumber');
      if (live) throw conflict(`该身份证号码已有在册档案（${live.name}）`, 'idNumber');
      Object.assign(patch, identity, { birthDate: r.birthDate, sex: r.sex });
      changed.push('idNumber');
    }
    if (input.phone !== undefined) changed.push('phone');
    if (input.villageId !== undefined && input.villageId !== before.village_id) {
      const area = await resolveVillage(q, actor, input.villageId);
      patch.villageId = area.villageId;
      patch.townId = area.townId;
      // A visitor of the old village may not cover the new one: then the person needs a new visitor.
      if (before.visitor_id) {
        const v = await repo.getVisitor(q, before.visitor_id);
        if (!v?.areas.some((a) => a.id === area.villageId || a.id === area.townId)) {
          patch.visitorId = null;
          await repo.closeAssignments(q, [id], null, now);
        }
      }
    }
    if (patch.supportStart && patch.supportStart > today(ctx))
      throw badRequest('供养开始日期不能晚于今天', 'supportStart');
    const ok = await repo.updatePerson(q, id, input.version, patch, now);
    if (!ok) throw conflict('档案已被他人修改，请刷新后重试', 'version');
    await repo.insertPersonEvent(q, {
      personId: id,
      at: now,
      kind: 'person.updated',
      title: '档案信息修改',
      detail: { fields: changed },
      actorId: actor.userId,
    });
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'person.update',
      entity: 'person',
      entityId: id,
      areaId: patch.villageId ?? before.village_id,
      detail: { fields: changed },
    });
    if (patch.visitorId === null) {
      await repo.insertPersonEvent(q, {
        personId: id,
        at: now,
        kind: 'person.unassigned',
        title: `迁往其他村（社区），原探访责任人 ${before.visitor_name} 不再负责，请重新指定`,
        actorId: actor.userId,
      });
    }
  });
}

/** Art. 21–23: records an assessment; when it is the newest, its level (and tier) become current. */
export async function addAssessment(
  ctx: Ctx,
  actor: Actor,
  input: {
    personId: number;
    assessedOn: string;
    indicators: SelfCareIndicators;
    assessorName?: string | null;
    note?: string | null;
  },
) {
  if (input.assessedOn > today(ctx)) throw badRequest('评估日期不能晚于今天', 'assessedOn');
  const level = deriveSelfCare(input.indicators);
  const now = ctx.clock.now();
  return ctx.db.tx(async (q) => {
    const p = await loadWritable(q, actor, input.personId, true);
    if (p.status === 'ended') throw badRequest('已终止供养的对象不能再评估', 'personId');
    const latest = await repo.latestAssessmentDate(q, p.id);
    const id = await repo.insertAssessment(q, {
      personId: p.id,
      assessedOn: input.assessedOn,
      indicators: input.indicators,
      level,
      assessorName: input.assessorName ?? actor.displayName,
      assessorId: actor.userId,
      note: input.note ?? null,
      now,
    });
    const becomesCurrent = !latest || input.assessedOn >= latest;
    const changes = becomesCurrent && level !== p.self_care;
    if (changes) {
      await repo.updatePerson(q, p.id, null, { selfCare: level, tier: tierOf(level) }, now);
    }
    await repo.insertPersonEvent(q, {
      personId: p.id,
      at: now,
      kind: 'assessment',
      title: changes
        ? `自理能力评估：${SELF_CARE_LABELS[p.self_care]} → ${SELF_CARE_LABELS[level]}（自 ${input.assessedOn} 起）`
        : `自理能力评估：${SELF_CARE_LABELS[level]}`,
      detail: { level, assessedOn: input.assessedOn, indicators: input.indicators },
      actorId: actor.userId,
      refEntity: 'assessment',
      refId: id,
    });
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'person.assess',
      entity: 'person',
      entityId: p.id,
      areaId: p.village_id,
      detail: { level, assessedOn: input.assessedOn, from: p.self_care },
    });
    if (changes) {
      await emitPersonEvent(ctx, 'selfCareChanged', q, {
        personId: p.id,
        from: p.self_care,
        to: level,
        effectiveOn: input.assessedOn,
        at: now,
        actorId: actor.userId,
      });
    }
    return { id, level, tier: tierOf(level), current: becomesCurrent };
  });
}

export interface ChangeStatusOptions {
  /** Who asks; null for the system (e.g. a completed referral), which skips the permission check. */
  actor: Actor | null;
  personId: number;
  /** paused (reason, optional until), ended (endReason), active (reactivate). */
  status: PersonStatus;
  /** Defaults to today (China time). */
  effectiveOn?: string;
  reason?: string | null;
  endReason?: EndReason;
  until?: string | null;
  /** The version the user saw; stale → 409. Optional for system callers. */
  version?: number;
  /** Run inside the caller's transaction (another module's change); otherwise opens one. */
  q?: Queryable;
}

/**
 * The one way a person's support status changes (pause, end, reactivate): writes the person row,
 * person_status_changes, the timeline and the audit log, and tells the registered listeners (the
 * schedule cancels open tasks from `effectiveOn`). Ending also closes the visitor assignments.
 */
export async function changePersonStatus(ctx: Ctx, o: ChangeStatusOptions) {
  const run = async (q: Queryable) => {
    const now = ctx.clock.now();
    const p = o.actor
      ? await loadWritable(q, o.actor, o.personId, true)
      : await repo.getPerson(q, SYSTEM_SCOPE, o.personId, true);
    if (!p) throw notFound('对象');
    if (o.version !== undefined && o.version !== p.version)
      throw conflict('档案已被他人修改，请刷新后重试', 'version');
    const effectiveOn = o.effectiveOn ?? today(ctx);
    if (effectiveOn < p.support_start) throw badRequest('生效日期不能早于供养开始日期', 'effectiveOn');
    const reason = o.reason?.trim() || null;
    const patch: repo.PersonPatch = { status: o.status, statusSince: effectiveOn };
    let title: string;
    if (o.status === 'paused') {
      if (p.status !== 'active')
        throw badRequest(`对象当前为「${PERSON_STATUS_LABELS[p.status]}」，不能暂停`, 'status');
      if (!reason) throw badRequest('暂停须填写原因', 'reason');
      if (o.until && o.until < effectiveOn) throw badRequest('暂停截止日期不能早于开始日期', 'until');
      Object.assign(patch, { statusReason: reason, pausedUntil: o.until ?? null, endReason: null });
      title = `暂停供养：${reason}（自 ${effectiveOn}${o.until ? ` 至 ${o.until}` : ''}）`;
    } else if (o.status === 'ended') {
      if (p.status === 'ended') throw badRequest('对象已终止供养', 'status');
      if (!o.endReason) throw badRequest('终止供养须选择终止原因', 'endReason');
      Object.assign(patch, {
        endReason: o.endReason,
        statusReason: reason,
        pausedUntil: null,
        visitorId: null,
      });
      title = `终止供养：${END_REASON_LABELS[o.endReason]}${reason ? `（${reason}）` : ''}（自 ${effectiveOn}）`;
    } else {
      if (p.status === 'active') throw badRequest('对象已在册', 'status');
      if (p.status === 'ended') {
        const idHash = await repo.idNumberHashOf(q, p.id);
        const live = await repo.findLiveByIdHash(q, idHash, p.id);
        if (live && o.actor && !reaches(o.actor, live)) throw foreignIdNumber(live.id, 'status', 'status');
        if (live) throw conflict(`该身份证号码已有另一份在册档案（${live.name}）`, 'status');
      }
      Object.assign(patch, { statusReason: reason, pausedUntil: null, endReason: null });
      title = `恢复供养${reason ? `：${reason}` : ''}（自 ${effectiveOn}）`;
    }
    await repo.updatePerson(q, p.id, null, patch, now);
    if (o.status === 'ended') await repo.closeAssignments(q, [p.id], null, now);
    await repo.insertStatusChange(q, {
      personId: p.id,
      status: o.status,
      effectiveOn,
      reason: o.status === 'ended' ? `${o.endReason}${reason ? `: ${reason}` : ''}` : reason,
      until: o.status === 'paused' ? (o.until ?? null) : null,
      actorId: o.actor?.userId ?? null,
      now,
    });
    await repo.insertPersonEvent(q, {
      personId: p.id,
      at: now,
      kind: `status.${o.status}`,
      title,
      detail: { from: p.status, to: o.status, effectiveOn, reason, endReason: o.endReason, until: o.until },
      actorId: o.actor?.userId ?? null,
    });
    await appendAudit(q, {
      at: now,
      actorId: o.actor?.userId ?? null,
      action: 'person.status',
      entity: 'person',
      entityId: p.id,
      areaId: p.village_id,
      detail: { from: p.status, to: o.status, effectiveOn, reason, endReason: o.endReason, until: o.until },
    });
    await emitPersonEvent(ctx, 'statusChanged', q, {
      personId: p.id,
      from: p.status,
      to: o.status,
      effectiveOn,
      until: o.until ?? null,
      reason: o.endReason ?? reason,
      at: now,
      actorId: o.actor?.userId ?? null,
    });
    return { status: o.status, effectiveOn };
  };
  if (o.q) return run(o.q);
  return o.actor ? withIdentityConflicts(ctx, o.actor, () => ctx.db.tx(run)) : ctx.db.tx(run);
}

export interface ReassignOptions {
  actor: Actor;
  /** Persons to move, or… */
  personIds?: number[];
  /** …every active or paused person of this visitor (in the actor's areas). */
  fromVisitorId?: number;
  toVisitorId: number;
  q?: Queryable;
}

/**
 * Makes `toVisitorId` the responsible visitor of the persons (bulk reassignment): closes the old
 * assignment, opens the new one, writes the timeline, and tells listeners (the schedule moves open
 * tasks to the new visitor). Every person must be in the actor's areas and the visitor must cover
 * each person's village (or its town). All or nothing.
 */
export async function reassignPersons(ctx: Ctx, o: ReassignOptions) {
  if (!can(o.actor.roles, 'persons.write')) throw forbidden('无权指定探访责任人');
  if (!o.personIds?.length && !o.fromVisitorId) throw badRequest('请选择对象或原探访责任人', 'personIds');
  const run = async (q: Queryable) => {
    const now = ctx.clock.now();
    let ids = o.personIds ?? [];
    if (o.fromVisitorId) {
      const rows = await repo.listPersons(q, o.actor.scope, { visitorId: o.fromVisitorId, limit: 100000 });
      ids = [...new Set([...ids, ...rows.filter((r) => r.status !== 'ended').map((r) => r.id)])];
    }
    if (ids.length === 0) throw badRequest('没有需要移交的对象', 'fromVisitorId');
    if (ids.length > 5000) throw badRequest('一次最多调整 5000 名对象', 'personIds');
    const to = await repo.getVisitor(q, o.toVisitorId);
    if (!to) throw badRequest('所选用户不是探访责任人', 'toVisitorId');
    const moves: { personId: number; fromVisitorId: number | null; fromName: string | null }[] = [];
    for (const id of ids) {
      const p = await loadWritable(q, o.actor, id, true);
      if (p.status === 'ended') throw badRequest(`${p.name} 已终止供养，不能指定探访责任人`, 'personIds');
      await assertVisitorFor(q, o.toVisitorId, { villageId: p.village_id, townId: p.town_id }, 'toVisitorId');
      if (p.visitor_id === o.toVisitorId) continue;
      moves.push({ personId: p.id, fromVisitorId: p.visitor_id, fromName: p.visitor_name });
    }
    const moved = moves.map((m) => m.personId);
    if (moved.length) {
      await repo.closeAssignments(q, moved, 'responsible', now);
      // A backup who becomes responsible stops being a backup.
      await repo.closeBackupAssignments(q, moved, o.toVisitorId, now);
      await repo.openAssignments(q, moved, o.toVisitorId, 'responsible', o.actor.userId, now);
      await repo.setResponsibleVisitor(q, moved, o.toVisitorId, now);
      await repo.insertPersonEvents(
        q,
        moves.map((m) => ({
          personId: m.personId,
          at: now,
          kind: 'assignment',
          title: m.fromName
            ? `探访责任人变更：${m.fromName} → ${to.display_name}`
            : `指定探访责任人：${to.display_name}`,
          detail: { fromVisitorId: m.fromVisitorId, toVisitorId: o.toVisitorId },
          actorId: o.actor.userId,
        })),
      );
      await appendAudit(q, {
        at: now,
        actorId: o.actor.userId,
        action: 'person.reassign',
        entity: 'person',
        entityId: moved.length === 1 ? moved[0] : null,
        detail: { personIds: moved, toVisitorId: o.toVisitorId, fromVisitorId: o.fromVisitorId ?? null },
      });
      await emitPersonEvent(ctx, 'reassigned', q, {
        moves: moves.map((m) => ({ personId: m.personId, fromVisitorId: m.fromVisitorId })),
        toVisitorId: o.toVisitorId,
        at: now,
        actorId: o.actor.userId,
      });
    }
    return { moved: moved.length, unchanged: ids.length - moved.length };
  };
  return o.q ? run(o.q) : ctx.db.tx(run);
}

/** Sets the backup visitors of a person (replacing the current set); history is kept. */
export async function setBackupVisitors(ctx: Ctx, actor: Actor, personId: number, visitorIds: number[]) {
  const now = ctx.clock.now();
  return ctx.db.tx(async (q) => {
    const p = await loadWritable(q, actor, personId, true);
    if (p.status === 'ended') throw badRequest('已终止供养的对象不能指定备用探访人', 'visitorIds');
    const wanted = [...new Set(visitorIds)];
    if (p.visitor_id && wanted.includes(p.visitor_id))
      throw badRequest('备用探访人不能是责任探访人本人', 'visitorIds');
    for (const v of wanted)
      await assertVisitorFor(q, v, { villageId: p.village_id, townId: p.town_id }, 'visitorIds');
    const current = await repo.backupVisitorIds(q, p.id);
    for (const v of current.filter((v) => !wanted.includes(v))) await repo.endBackup(q, p.id, v, now);
    for (const v of wanted.filter((v) => !current.includes(v)))
      await repo.openAssignments(q, [p.id], v, 'backup', actor.userId, now);
    await repo.insertPersonEvent(q, {
      personId: p.id,
      at: now,
      kind: 'assignment.backup',
      title: wanted.length ? `备用探访人调整（${wanted.length} 人）` : '取消备用探访人',
      detail: { visitorIds: wanted },
      actorId: actor.userId,
    });
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'person.backups',
      entity: 'person',
      entityId: p.id,
      areaId: p.village_id,
      detail: { visitorIds: wanted },
    });
  });
}

/**
 * How `q` of the person list is read: a full ID number or phone searches the keyed hash; the last
 * four characters of an ID number (1234, 123X) search the masked form, which already shows them to
 * anyone who may list persons (150602********1234) — so a partial search reveals nothing the list
 * does not. Longer fragments are refused: the middle digits (birth date) are kept only encrypted and
 * as a keyed hash of the whole number, and a blind index of, say, the last six digits would let a
 * user confirm a stranger's number six digits at a time. Anything else is a name.
 */
export function searchTerms(ctx: Ctx, raw: string | undefined) {
  const s = raw?.trim();
  if (!s) return {};
  const id = parseIdNumber(s);
  if (id.ok) return { idNumberHash: ctx.fields.hash(id.value) };
  const tail = toHalfWidth(s).toUpperCase();
  if (/^\d{3}[\dX]$/.test(tail)) return { idTail: tail };
  const phone = /^[\d\s\-－０-９]{7,}$/.test(s) ? normalizePhone(s) : undefined;
  if (phone) return { phoneHash: ctx.fields.hash(phone) };
  if (/^[0-9XxＸｘ０-９\s]{15,18}$/.test(s)) {
    throw badRequest('按身份证号码查找请输入完整且正确的 18 位号码，或号码的后 4 位', 'q');
  }
  return { name: s };
}

export async function listPersons(
  ctx: Ctx,
  actor: Actor,
  f: Omit<repo.PersonFilter, 'name' | 'idNumberHash' | 'idTail' | 'phoneHash' | 'aged80On'> & {
    q?: string;
    aged80?: boolean;
  },
) {
  if (!can(actor.roles, 'persons.read')) throw forbidden();
  const { q, aged80, ...rest } = f;
  return repo.listPersons(ctx.db, actor.scope, {
    ...rest,
    ...searchTerms(ctx, q),
    aged80On: aged80 ? today(ctx) : undefined,
  });
}

/** The person's timeline (every module's events), newest first; 404 outside scope. */
export async function getPersonTimeline(
  ctx: Ctx,
  actor: Actor,
  personId: number,
  page: { before?: number; limit?: number } = {},
) {
  const p = await repo.getPerson(ctx.db, actor.scope, personId);
  if (!p) throw notFound('对象');
  return repo.listPersonEvents(ctx.db, personId, { before: page.before, limit: page.limit ?? 100 });
}

export async function listVisitors(ctx: Ctx, actor: Actor, f: { areaId?: number; q?: string }) {
  if (!can(actor.roles, 'persons.read')) throw forbidden();
  if (!actor.scope.all && actor.scope.areaIds.length === 0) return [];
  return repo.listVisitorsWithWorkload(ctx.db, actor.scope, f);
}

/** Refuses to retire an area that still has persons on file (active or paused). */
export async function assertAreaHasNoPersons(q: Queryable, areaId: number, areaName: string) {
  const n = await repo.countActivePersonsInArea(q, areaId);
  if (n > 0) {
    throw badRequest(`${areaName}还有 ${n} 名在册或暂停供养的对象，请先迁移或终止后再撤销`, 'retired');
  }
}
