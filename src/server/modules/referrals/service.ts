import { chinaDate } from '../../../shared/china-time.js';
import {
  REFERRAL_DEFAULT_DEPARTMENT,
  REFERRAL_RECEIVER_MOVES,
  REFERRAL_STATUS_LABELS,
  REFERRAL_TARGET_LABELS,
  REFERRAL_TRANSITIONS,
  type ReferralStatus,
  type ReferralTarget,
} from '../../../shared/incidents.js';
import { DEPARTMENT_LABELS, type Department } from '../../../shared/roles.js';
import type { Ctx } from '../../context.js';
import type { Queryable } from '../../db/db.js';
import { badRequest, conflict, forbidden, notFound } from '../../http/errors.js';
import { type Actor, inScope } from '../../http/scope.js';
import { appendAudit } from '../audit/index.js';
import * as cases from '../cases/index.js';
import { notify, type RecipientSelector } from '../notifications/index.js';
import * as persons from '../persons/index.js';
import { changePersonStatus, insertPersonEvent } from '../persons/index.js';
import * as repo from './repo.js';

const townRecipients = (villageId: number): RecipientSelector[] => [
  { role: 'town_officer', areaId: villageId },
  { role: 'village_officer', areaId: villageId },
];

async function announceSent(
  q: Queryable,
  r: {
    id: number;
    department: Department | null;
    villageId: number;
    personName: string;
    target: ReferralTarget;
    reason: string;
  },
  now: Date,
) {
  if (!r.department) return;
  await notify(q, {
    recipients: { role: 'department_liaison', areaId: r.villageId, department: r.department },
    kind: 'referral.opened',
    title: `新的转介：${r.personName} ${REFERRAL_TARGET_LABELS[r.target]}`,
    body: r.reason,
    ref: { entity: 'referral', id: r.id },
    dedupeKey: `referral:${r.id}:sent`,
    now,
  });
}

/**
 * A referral draft from a visit (section K or L) for the town to confirm; in the caller's transaction,
 * once per visit item.
 */
export async function openReferralDraft(
  q: Queryable,
  o: {
    person: persons.CasePerson;
    target: ReferralTarget;
    reason: string;
    visitId: number;
    sourceItem: string;
    actorId: number | null;
    now: Date;
  },
) {
  const id = await repo.insertReferral(q, {
    personId: o.person.id,
    townId: o.person.town_id,
    villageId: o.person.village_id,
    target: o.target,
    department: REFERRAL_DEFAULT_DEPARTMENT[o.target],
    institution: null,
    reason: o.reason,
    source: 'visit',
    visitId: o.visitId,
    sourceItem: o.sourceItem,
    status: 'draft',
    createdBy: o.actorId,
    now: o.now,
  });
  if (id == null) return null;
  await cases.appendTimeline(q, 'referral', {
    caseId: id,
    kind: 'draft',
    text: `探访生成转介草稿：${o.reason}`,
    actorId: o.actorId,
    at: o.now,
  });
  await notify(q, {
    recipients: townRecipients(o.person.village_id),
    kind: 'referral.opened',
    title: `转介草稿待确认：${o.person.name} ${REFERRAL_TARGET_LABELS[o.target]}`,
    body: o.reason,
    ref: { entity: 'referral', id },
    dedupeKey: `referral:${id}:draft`,
    now: o.now,
  });
  await insertPersonEvent(q, {
    personId: o.person.id,
    at: o.now,
    kind: 'referral.draft',
    title: `转介草稿：${REFERRAL_TARGET_LABELS[o.target]}（${o.reason}）`,
    actorId: o.actorId,
    refEntity: 'referral',
    refId: id,
  });
  await appendAudit(q, {
    at: o.now,
    actorId: o.actorId,
    action: 'referral.draft',
    entity: 'referral',
    entityId: id,
    areaId: o.person.village_id,
    detail: { target: o.target, visitId: o.visitId },
  });
  return id;
}

export async function createReferral(
  ctx: Ctx,
  actor: Actor,
  input: {
    personId: number;
    target: ReferralTarget;
    department?: Department | null;
    institution?: string | null;
    reason: string;
  },
) {
  return ctx.db.tx(async (q) => {
    const person = await persons.getPersonInScope(q, actor.scope, input.personId);
    if (!person) throw notFound('对象');
    if (person.status === 'ended') throw badRequest('该对象已终止供养，不能再转介', 'personId');
    const now = ctx.clock.now();
    const department =
      input.department === undefined ? REFERRAL_DEFAULT_DEPARTMENT[input.target] : input.department;
    const id = (await repo.insertReferral(q, {
      personId: person.id,
      townId: person.town_id,
      villageId: person.village_id,
      target: input.target,
      department,
      institution: input.institution?.trim() || null,
      reason: input.reason,
      source: 'manual',
      visitId: null,
      sourceItem: null,
      status: 'pending',
      createdBy: actor.userId,
      now,
    }))!;
    const to = department ? `${DEPARTMENT_LABELS[department]}` : input.institution || '民政部门';
    await cases.appendTimeline(q, 'referral', {
      caseId: id,
      kind: 'pending',
      text: `发起转介至${to}：${input.reason}`,
      actorId: actor.userId,
      at: now,
    });
    await announceSent(
      q,
      {
        id,
        department,
        villageId: person.village_id,
        personName: person.name,
        target: input.target,
        reason: input.reason,
      },
      now,
    );
    await insertPersonEvent(q, {
      personId: person.id,
      at: now,
      kind: 'referral.pending',
      title: `转介：${REFERRAL_TARGET_LABELS[input.target]}（至${to}）`,
      actorId: actor.userId,
      refEntity: 'referral',
      refId: id,
    });
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'referral.create',
      entity: 'referral',
      entityId: id,
      areaId: person.village_id,
      detail: { target: input.target, department },
    });
    return id;
  });
}

export async function getReferral(ctx: Ctx, actor: Actor, id: number) {
  const r = await repo.getReferral(ctx.db, actor.scope, id);
  if (!r) throw notFound('转介');
  return { r, entries: await cases.listTimeline(ctx.db, 'referral', id) };
}

export interface ReferralPatch {
  version: number;
  status?: ReferralStatus;
  department?: Department | null;
  institution?: string | null;
  reason?: string;
  response?: string;
}

/**
 * The town edits and sends drafts, withdraws, and answers referrals no department receives; the
 * addressed department's liaison accepts, rejects (with a reason) and completes. A completed move to
 * centralized support ends the person's dispersed support.
 */
export async function updateReferral(ctx: Ctx, actor: Actor, id: number, p: ReferralPatch) {
  return ctx.db.tx(async (q) => {
    const r = await repo.getReferral(q, actor.scope, id, true);
    if (!r) throw notFound('转介');
    if (r.version !== p.version) throw conflict('记录已被他人修改，请刷新后重试', 'version');
    const isTown =
      inScope(actor.scope, r.village_id) &&
      actor.roles.some((x) => x === 'bureau_admin' || x === 'town_officer' || x === 'village_officer');
    const isReceiver = !!r.department && actor.scope.departments.includes(r.department);
    const now = ctx.clock.now();
    const patch: Parameters<typeof repo.updateReferral>[2] = {};
    const editsFields = p.department !== undefined || p.institution !== undefined || p.reason !== undefined;
    if (editsFields) {
      if (!isTown) throw forbidden('只有发起转介的镇街可以修改转介内容');
      if (r.status !== 'draft' && r.status !== 'pending')
        throw conflict(`转介已「${REFERRAL_STATUS_LABELS[r.status]}」，不能再修改`, 'status');
      if (p.department !== undefined) patch.department = p.department;
      if (p.institution !== undefined) patch.institution = p.institution?.trim() || null;
      if (p.reason !== undefined) {
        if (!p.reason.trim()) throw badRequest('请填写转介原因', 'reason');
        patch.reason = p.reason.trim();
      }
    }
    const to = p.status;
    if (to && to !== r.status) {
      if (!REFERRAL_TRANSITIONS[r.status].includes(to)) {
        throw conflict(
          `不能从「${REFERRAL_STATUS_LABELS[r.status]}」变为「${REFERRAL_STATUS_LABELS[to]}」`,
          'status',
        );
      }
      const receiverMove = REFERRAL_RECEIVER_MOVES.includes(to);
      // With a department, only its liaison answers; without one, the town (or bureau) does.
      const allowed = receiverMove ? (r.department ? isReceiver : isTown) : isTown;
      if (!allowed) {
        throw forbidden(receiverMove ? '由接收转介的部门办理' : '只有发起转介的镇街可以确认或撤回转介');
      }
      if (to === 'rejected' && !p.response?.trim()) throw badRequest('退回转介须填写原因', 'response');
      patch.status = to;
      if (receiverMove)
        Object.assign(patch, {
          respondedAt: now,
          respondedBy: actor.userId,
          response: p.response?.trim() || r.response,
        });
      if (to === 'completed') patch.completedAt = now;
    } else if (p.response !== undefined && !to) {
      throw badRequest('答复须随状态变更一同提交', 'response');
    }
    if (Object.keys(patch).length === 0) throw badRequest('没有要修改的内容', 'status');
    await repo.updateReferral(q, id, patch, now);
    await cases.appendTimeline(q, 'referral', {
      caseId: id,
      kind: patch.status ?? 'note',
      text: [patch.status ? REFERRAL_STATUS_LABELS[patch.status] : '修改转介内容', p.response?.trim()]
        .filter(Boolean)
        .join('：'),
      actorId: actor.userId,
      at: now,
    });
    if (patch.status) {
      await insertPersonEvent(q, {
        personId: r.person_id,
        at: now,
        kind: `referral.${patch.status}`,
        title: `转介${REFERRAL_STATUS_LABELS[patch.status]}：${REFERRAL_TARGET_LABELS[r.target]}${p.response?.trim() ? `（${p.response.trim()}）` : ''}`,
        actorId: actor.userId,
        refEntity: 'referral',
        refId: id,
      });
      const department = patch.department !== undefined ? patch.department : r.department;
      if (patch.status === 'pending') {
        await announceSent(
          q,
          {
            id,
            department,
            villageId: r.village_id,
            personName: r.person_name,
            target: r.target,
            reason: patch.reason ?? r.reason,
          },
          now,
        );
      } else if (REFERRAL_RECEIVER_MOVES.includes(patch.status)) {
        await notify(q, {
          recipients: townRecipients(r.village_id),
          kind: 'referral.updated',
          title: `转介${REFERRAL_STATUS_LABELS[patch.status]}：${r.person_name} ${REFERRAL_TARGET_LABELS[r.target]}`,
          body: p.response?.trim() ?? '',
          ref: { entity: 'referral', id },
          dedupeKey: `referral:${id}:${patch.status}`,
          now,
        });
      }
      if (patch.status === 'completed' && r.target === 'centralized') {
        const person = await persons.getPersonById(q, r.person_id);
        if (person && person.status !== 'ended') {
          await changePersonStatus(ctx, {
            actor: null,
            q,
            personId: r.person_id,
            status: 'ended',
            endReason: 'centralized_support',
            reason: `转介 #${id} 已完成${r.institution ? `，入住${r.institution}` : ''}`,
            effectiveOn: chinaDate(now),
          });
        }
      }
    }
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'referral.update',
      entity: 'referral',
      entityId: id,
      areaId: r.village_id,
      detail: { from: r.status, ...patch },
    });
  });
}
