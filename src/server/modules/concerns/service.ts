import {
  checklistVersion,
  needsNote,
  REQUEST_CATEGORY_LABELS,
  type SectionKey,
} from '../../../shared/checklist.js';
import { addDays, chinaDate } from '../../../shared/china-time.js';
import {
  CONCERN_HANDLING_LABELS,
  CONCERN_OWNER_LABELS,
  CONCERN_STATUS_LABELS,
  CONCERN_TRANSITIONS,
  type ConcernHandling,
  type ConcernOwner,
  type ConcernStatus,
  DEFAULT_CONCERN_DEADLINE_DAYS,
} from '../../../shared/incidents.js';
import type { Ctx } from '../../context.js';
import type { Queryable } from '../../db/db.js';
import { badRequest, conflict, forbidden, notFound } from '../../http/errors.js';
import type { Actor } from '../../http/scope.js';
import { sniffFileType } from '../../lib/file-types.js';
import { appendAudit } from '../audit/index.js';
import * as cases from '../cases/index.js';
import { fileBytes, keepFile } from '../files/index.js';
import { notify, type RecipientSelector } from '../notifications/index.js';
import * as persons from '../persons/index.js';
import { insertPersonEvent } from '../persons/index.js';
import { systemSetting } from '../settings/index.js';
import * as repo from './repo.js';

export const DEADLINE_SETTING = 'concerns.deadlineDays';

export async function deadlineDays(q: Queryable): Promise<number> {
  const v = await systemSetting<number | undefined>(q, DEADLINE_SETTING, undefined);
  return typeof v === 'number' && v > 0 ? v : DEFAULT_CONCERN_DEADLINE_DAYS;
}

const categoryLabel = (c: string) => REQUEST_CATEGORY_LABELS[c as keyof typeof REQUEST_CATEGORY_LABELS] ?? c;

function handlers(villageId: number, owner: ConcernOwner): RecipientSelector[] {
  const r: RecipientSelector[] = [{ role: 'town_officer', areaId: villageId }];
  if (owner === 'village') r.push({ role: 'village_officer', areaId: villageId });
  return r;
}
const bureau = (villageId: number): RecipientSelector[] => [
  { role: 'bureau_supervisor', areaId: villageId },
  { role: 'bureau_admin', areaId: villageId },
];

/**
 * Creates a concern in the caller's transaction (from a visit request, a failed checklist answer the
 * town marks, or by hand) with its first entry, notice and timeline event. Idempotent per visit item.
 */
export async function openConcern(
  q: Queryable,
  o: {
    person: persons.CasePerson;
    category: string;
    description: string;
    source: 'visit' | 'checklist' | 'manual';
    visitId: number | null;
    sourceItem: string | null;
    owner?: ConcernOwner;
    handling?: ConcernHandling;
    deadline?: string | null;
    resolution?: string | null;
    actorId: number | null;
    now: Date;
  },
): Promise<number | null> {
  const handling = o.handling ?? 'time_limited';
  const today = chinaDate(o.now);
  let deadline: string | null = null;
  if (handling === 'time_limited') {
    deadline = o.deadline ?? addDays(today, await deadlineDays(q));
    if (deadline < today) throw badRequest('整改期限不能早于今天', 'deadline');
  }
  const resolution = o.resolution?.trim() || null;
  if (handling === 'immediate' && o.source === 'manual' && !resolution) {
    throw badRequest('立行立改的问题须填写整改情况', 'resolution');
  }
  const owner = o.owner ?? 'town';
  const status: ConcernStatus = handling === 'immediate' && resolution ? 'resolved' : 'open';
  const id = await repo.insertConcern(q, {
    personId: o.person.id,
    townId: o.person.town_id,
    villageId: o.person.village_id,
    category: o.category,
    description: o.description,
    source: o.source,
    visitId: o.visitId,
    sourceItem: o.sourceItem,
    owner,
    handling,
    deadline,
    status,
    resolution,
    createdBy: o.actorId,
    now: o.now,
  });
  if (id == null) return null;
  await cases.appendTimeline(q, 'concern', {
    caseId: id,
    kind: 'created',
    text: o.description,
    actorId: o.actorId,
    detail: { source: o.source, handling, deadline, status },
    at: o.now,
  });
  await insertPersonEvent(q, {
    personId: o.person.id,
    at: o.now,
    kind: 'concern.opened',
    title: `诉求/问题：${categoryLabel(o.category)}（${o.description}）`,
    actorId: o.actorId,
    refEntity: 'concern',
    refId: id,
  });
  await notify(q, {
    recipients: status === 'resolved' ? bureau(o.person.village_id) : handlers(o.person.village_id, owner),
    kind: status === 'resolved' ? 'concern.resolved' : 'concern.opened',
    title: `${status === 'resolved' ? '立行立改待核验' : '新的诉求/问题'}：${o.person.name} ${categoryLabel(o.category)}`,
    body: `${o.description}${deadline ? `（整改期限 ${deadline}）` : ''}`,
    ref: { entity: 'concern', id },
    dedupeKey: `concern:${id}:opened`,
    now: o.now,
  });
  await appendAudit(q, {
    at: o.now,
    actorId: o.actorId,
    action: 'concern.create',
    entity: 'concern',
    entityId: id,
    areaId: o.person.village_id,
    detail: { source: o.source, category: o.category, handling, deadline },
  });
  return id;
}

export interface CreateConcernInput {
  personId?: number;
  visitId?: number;
  /** 'D.house': a failed answer on that visit, marked as a problem by the town. */
  item?: string;
  category: string;
  description?: string;
  owner?: ConcernOwner;
  handling?: ConcernHandling;
  deadline?: string | null;
  resolution?: string | null;
}

export async function createConcern(ctx: Ctx, actor: Actor, input: CreateConcernInput) {
  return ctx.db.tx(async (q) => {
    const now = ctx.clock.now();
    let personId = input.personId;
    let description = input.description?.trim() ?? '';
    let source: 'manual' | 'checklist' = 'manual';
    if (input.visitId != null || input.item) {
      if (input.visitId == null) throw badRequest('标记探访问题须指定探访记录', 'visitId');
      if (!input.item) throw badRequest('标记探访问题须指定检查项', 'item');
      if (actor.roles.every((r) => r === 'visitor' || r === 'department_liaison')) {
        throw forbidden('由镇街或村居将探访发现的问题登记为整改问题');
      }
      const visit = await repo.getVisitAnswers(q, actor.scope, input.visitId);
      if (!visit) throw notFound('探访记录');
      const [sec, key] = input.item.split('.');
      const def = checklistVersion(visit.checklist_version);
      const item = def?.sections.find((s) => s.key === sec)?.items.find((i) => i.key === key);
      const answer = visit.answers?.[sec as SectionKey]?.[key];
      if (!item || !needsNote(item, answer)) {
        throw badRequest('该检查项在这次探访中没有发现问题', 'item');
      }
      personId = visit.person_id;
      description ||= `${item.label}：${answer?.note ?? ''}`;
      source = 'checklist';
    }
    if (personId == null) throw badRequest('请选择对象', 'personId');
    if (!description) throw badRequest('请填写问题描述', 'description');
    const person = await persons.getPersonInScope(q, actor.scope, personId);
    if (!person) throw notFound('对象');
    const id = await openConcern(q, {
      person,
      category: input.category,
      description,
      source,
      visitId: input.visitId ?? null,
      sourceItem: input.item ?? null,
      owner: input.owner,
      handling: input.handling,
      deadline: input.deadline,
      resolution: input.resolution,
      actorId: actor.userId,
      now,
    });
    if (id == null) throw conflict('这条探访问题已登记过', 'item');
    return id;
  });
}

export async function getConcern(ctx: Ctx, actor: Actor, id: number) {
  const c = await repo.getConcern(ctx.db, actor.scope, id);
  if (!c) throw notFound('诉求/问题');
  const [entries, files, deadlineChanges] = await Promise.all([
    cases.listTimeline(ctx.db, 'concern', id),
    repo.listFiles(ctx.db, id),
    cases.listDeadlineChanges(ctx.db, 'concern', id),
  ]);
  const today = chinaDate(ctx.clock.now());
  const open = c.status === 'open' || c.status === 'in_progress';
  const deadlineNeedsApproval =
    open &&
    c.handling === 'time_limited' &&
    cases.deadlineNeedsApproval({ deadline: c.deadline, escalated: !!c.escalated_at }, today);
  return { c, entries, files, deadlineChanges, deadlineNeedsApproval };
}

const canHandle = (actor: Actor, c: repo.ConcernRow) =>
  actor.roles.includes('bureau_admin') ||
  actor.roles.includes('town_officer') ||
  (c.owner === 'village' && actor.roles.includes('village_officer'));

export interface ConcernPatch {
  version: number;
  status?: ConcernStatus;
  resolution?: string;
  deadline?: string | null;
  handling?: ConcernHandling;
  owner?: ConcernOwner;
  note?: string;
}

/** Handling by the town or village: move along the allowed path, set deadline/handling/owner. */
export async function updateConcern(ctx: Ctx, actor: Actor, id: number, p: ConcernPatch) {
  return ctx.db.tx(async (q) => {
    const c = await repo.getConcern(q, actor.scope, id, true);
    if (!c) throw notFound('诉求/问题');
    if (!canHandle(actor, c)) throw forbidden('该问题由镇街处理');
    if (c.version !== p.version) throw conflict('记录已被他人修改，请刷新后重试', 'version');
    const now = ctx.clock.now();
    const today = chinaDate(now);
    const patch: Parameters<typeof repo.updateConcern>[2] = {};
    if (p.status && p.status !== c.status) {
      if (!CONCERN_TRANSITIONS[c.status].includes(p.status)) {
        throw conflict(
          `不能从「${CONCERN_STATUS_LABELS[c.status]}」变为「${CONCERN_STATUS_LABELS[p.status]}」${
            p.status === 'verified'
              ? '（核验由民政局进行）'
              : c.status === 'resolved'
                ? '（待民政局核验）'
                : ''
          }`,
          'status',
        );
      }
      patch.status = p.status;
      if (p.status === 'resolved') {
        const resolution = p.resolution?.trim();
        if (!resolution) throw badRequest('标记已整改须填写整改情况', 'resolution');
        Object.assign(patch, { resolution, resolvedAt: now, resolvedBy: actor.userId });
      }
    } else if (p.status === undefined && p.resolution !== undefined && c.status !== 'resolved') {
      throw badRequest('整改情况在标记已整改时填写', 'resolution');
    }
    if (c.status === 'verified' && (p.deadline !== undefined || p.handling || p.owner)) {
      throw conflict('已核验的问题不能再修改', 'status');
    }
    const handling = p.handling ?? c.handling;
    const movesDeadline =
      (p.deadline !== undefined && p.deadline !== c.deadline) || (p.handling && p.handling !== c.handling);
    if (
      movesDeadline &&
      cases.deadlineNeedsApproval({ deadline: c.deadline, escalated: !!c.escalated_at }, today)
    )
      throw conflict(cases.APPROVAL_NEEDED_MESSAGE, 'deadline');
    if (p.handling) patch.handling = p.handling;
    if (p.owner) patch.owner = p.owner;
    if (p.deadline !== undefined || (p.handling && p.handling !== c.handling)) {
      const deadline =
        handling === 'time_limited'
          ? (p.deadline ?? c.deadline ?? addDays(today, await deadlineDays(q)))
          : null;
      if (deadline && deadline < today && deadline !== c.deadline)
        throw badRequest('整改期限不能早于今天', 'deadline');
      patch.deadline = deadline;
      // A new deadline may escalate again when it passes.
      if (deadline !== c.deadline) patch.escalatedAt = null;
    }
    if (Object.keys(patch).length === 0 && !p.note?.trim()) throw badRequest('没有要修改的内容', 'status');
    await repo.updateConcern(q, id, patch, now);
    // Each change is named on the timeline: a status, a deadline (old → new), the rest as a comment.
    const note = p.note?.trim() ?? '';
    const deadlineMoved = patch.deadline !== undefined && patch.deadline !== c.deadline;
    if (patch.status) {
      await cases.appendTimeline(q, 'concern', {
        caseId: id,
        kind: 'status',
        text: [`→ ${CONCERN_STATUS_LABELS[patch.status]}`, patch.resolution ?? '', note]
          .filter(Boolean)
          .join('；'),
        actorId: actor.userId,
        detail: { from: c.status, ...patch },
        at: now,
      });
    }
    if (deadlineMoved) {
      await cases.appendTimeline(q, 'concern', {
        caseId: id,
        kind: 'deadline',
        text: [
          `整改期限 ${c.deadline ?? '无'} → ${patch.deadline ?? '无（立行立改）'}`,
          patch.status ? '' : note,
        ]
          .filter(Boolean)
          .join('；'),
        actorId: actor.userId,
        detail: { oldDeadline: c.deadline, newDeadline: patch.deadline },
        at: now,
      });
    }
    if (!patch.status && !deadlineMoved) {
      const changes = [
        patch.handling && patch.handling !== c.handling
          ? `处理方式 → ${CONCERN_HANDLING_LABELS[patch.handling]}`
          : '',
        patch.owner && patch.owner !== c.owner ? `责任方 → ${CONCERN_OWNER_LABELS[patch.owner]}` : '',
        note,
      ].filter(Boolean);
      if (changes.length === 0) throw badRequest('没有要修改的内容', 'status');
      await cases.appendTimeline(q, 'concern', {
        caseId: id,
        kind: 'comment',
        text: changes.join('；'),
        actorId: actor.userId,
        detail: { from: c.status, ...patch },
        at: now,
      });
    }
    if (patch.status === 'resolved') {
      await insertPersonEvent(q, {
        personId: c.person_id,
        at: now,
        kind: 'concern.resolved',
        title: `问题已整改：${categoryLabel(c.category)}（${patch.resolution}）`,
        actorId: actor.userId,
        refEntity: 'concern',
        refId: id,
      });
      await notify(q, {
        recipients: bureau(c.village_id),
        kind: 'concern.resolved',
        title: `整改待核验：${c.person_name} ${categoryLabel(c.category)}`,
        body: patch.resolution ?? '',
        ref: { entity: 'concern', id },
        dedupeKey: `concern:${id}:resolved:${c.reopened_count}`,
        now,
      });
    }
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'concern.update',
      entity: 'concern',
      entityId: id,
      areaId: c.village_id,
      detail: { from: c.status, ...patch },
    });
  });
}

/**
 * The town asks the bureau to move the deadline of an overdue or escalated concern (a reason is
 * required). Nothing changes on the concern until the bureau approves: its deadline and escalation stand.
 */
export async function requestDeadline(
  ctx: Ctx,
  actor: Actor,
  id: number,
  r: { deadline: string; reason: string; version?: number },
): Promise<number> {
  return ctx.db.tx(async (q) => {
    const c = await repo.getConcern(q, actor.scope, id, true);
    if (!c) throw notFound('诉求/问题');
    if (!canHandle(actor, c)) throw forbidden('该问题由镇街处理');
    if (r.version !== undefined && r.version !== c.version)
      throw conflict('记录已被他人修改，请刷新后重试', 'version');
    if (c.status !== 'open' && c.status !== 'in_progress')
      throw conflict(`「${CONCERN_STATUS_LABELS[c.status]}」的问题不需要延期`, 'status');
    if (c.handling !== 'time_limited') throw conflict('立行立改的问题没有整改期限', 'handling');
    const now = ctx.clock.now();
    const requestId = await cases.requestDeadlineChange(q, {
      kind: 'concern',
      caseId: id,
      oldDeadline: c.deadline,
      newDeadline: r.deadline,
      reason: r.reason,
      by: actor.userId,
      at: now,
      today: chinaDate(now),
    });
    await repo.updateConcern(q, id, {}, now);
    await cases.appendTimeline(q, 'concern', {
      caseId: id,
      kind: 'deadline_requested',
      text: `申请延期：整改期限 ${c.deadline ?? '无'} → ${r.deadline}；原因：${r.reason.trim()}`,
      actorId: actor.userId,
      detail: { requestId, oldDeadline: c.deadline, newDeadline: r.deadline },
      at: now,
    });
    await notify(q, {
      recipients: bureau(c.village_id),
      kind: 'concern.deadline_requested',
      title: `延期申请待审批：${c.person_name} ${categoryLabel(c.category)}`,
      body: `整改期限 ${c.deadline ?? '无'} → ${r.deadline}；原因：${r.reason.trim()}`,
      ref: { entity: 'concern', id },
      dedupeKey: `concern:${id}:deadline-request:${requestId}`,
      now,
    });
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'concern.deadline.request',
      entity: 'concern',
      entityId: id,
      areaId: c.village_id,
      detail: { requestId, oldDeadline: c.deadline, newDeadline: r.deadline, reason: r.reason.trim() },
    });
    return requestId;
  });
}

/** The bureau approves (the new deadline applies, the escalation is lifted) or refuses, with a reason. */
export async function decideDeadline(
  ctx: Ctx,
  actor: Actor,
  id: number,
  requestId: number,
  d: { approve: boolean; note?: string },
) {
  return ctx.db.tx(async (q) => {
    const c = await repo.getConcern(q, actor.scope, id, true);
    if (!c) throw notFound('诉求/问题');
    const now = ctx.clock.now();
    const req = await cases.decideDeadlineChange(q, {
      kind: 'concern',
      caseId: id,
      requestId,
      approve: d.approve,
      note: d.note,
      by: actor.userId,
      at: now,
    });
    const open = c.status === 'open' || c.status === 'in_progress';
    if (d.approve && !open)
      throw conflict(`「${CONCERN_STATUS_LABELS[c.status]}」的问题不能再延期`, 'status');
    const note = d.note?.trim() ?? '';
    if (d.approve) {
      if (req.new_deadline < chinaDate(now)) throw conflict('申请的期限已过，请退回后重新申请', 'deadline');
      await repo.updateConcern(q, id, { deadline: req.new_deadline, escalatedAt: null }, now);
    } else {
      await repo.updateConcern(q, id, {}, now);
    }
    const change = `整改期限 ${req.old_deadline ?? '无'} → ${req.new_deadline}`;
    await cases.appendTimeline(q, 'concern', {
      caseId: id,
      kind: d.approve ? 'deadline_approved' : 'deadline_refused',
      text: [
        d.approve ? `批准延期：${change}` : `不批准延期（${change}），原期限不变`,
        `申请人 ${req.requested_by_name ?? ''}，原因：${req.reason}`,
        note ? `审批意见：${note}` : '',
      ]
        .filter(Boolean)
        .join('；'),
      actorId: actor.userId,
      detail: { requestId, oldDeadline: req.old_deadline, newDeadline: req.new_deadline, approve: d.approve },
      at: now,
    });
    await notify(q, {
      recipients: handlers(c.village_id, c.owner),
      kind: 'concern.deadline_decided',
      title: `${d.approve ? '延期已批准' : '延期未批准'}：${c.person_name} ${categoryLabel(c.category)}`,
      body: `${change}${note ? `；${note}` : ''}`,
      ref: { entity: 'concern', id },
      dedupeKey: `concern:${id}:deadline-decision:${requestId}`,
      now,
    });
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: d.approve ? 'concern.deadline.approve' : 'concern.deadline.refuse',
      entity: 'concern',
      entityId: id,
      areaId: c.village_id,
      detail: { requestId, oldDeadline: req.old_deadline, newDeadline: req.new_deadline, note },
    });
  });
}

/** The bureau verifies a resolved concern, or reopens it with a reason. */
export async function verifyConcern(
  ctx: Ctx,
  actor: Actor,
  id: number,
  v: { approve: boolean; comment?: string; version?: number },
) {
  return ctx.db.tx(async (q) => {
    const c = await repo.getConcern(q, actor.scope, id, true);
    if (!c) throw notFound('诉求/问题');
    if (v.version !== undefined && v.version !== c.version)
      throw conflict('记录已被他人修改，请刷新后重试', 'version');
    if (c.status !== 'resolved') {
      throw conflict(
        `只能核验「已整改待核验」的问题，当前为「${CONCERN_STATUS_LABELS[c.status]}」`,
        'status',
      );
    }
    const comment = v.comment?.trim() ?? '';
    if (!v.approve && !comment) throw badRequest('退回整改须填写原因', 'comment');
    const now = ctx.clock.now();
    if (v.approve) {
      await repo.updateConcern(q, id, { status: 'verified', verifiedAt: now, verifiedBy: actor.userId }, now);
    } else {
      const today = chinaDate(now);
      await repo.updateConcern(
        q,
        id,
        {
          status: 'open',
          resolvedAt: null,
          resolvedBy: null,
          escalatedAt: null,
          deadline:
            c.handling === 'time_limited' && (!c.deadline || c.deadline < today)
              ? addDays(today, await deadlineDays(q))
              : c.deadline,
          reopened: true,
        },
        now,
      );
    }
    await cases.appendTimeline(q, 'concern', {
      caseId: id,
      kind: v.approve ? 'verified' : 'reopened',
      text: comment,
      actorId: actor.userId,
      at: now,
    });
    await insertPersonEvent(q, {
      personId: c.person_id,
      at: now,
      kind: v.approve ? 'concern.verified' : 'concern.reopened',
      title: `${v.approve ? '整改已核验' : '整改被退回'}：${categoryLabel(c.category)}${comment ? `（${comment}）` : ''}`,
      actorId: actor.userId,
      refEntity: 'concern',
      refId: id,
    });
    if (!v.approve) {
      await notify(q, {
        recipients: handlers(c.village_id, c.owner),
        kind: 'concern.opened',
        title: `整改被退回：${c.person_name} ${categoryLabel(c.category)}`,
        body: comment,
        ref: { entity: 'concern', id },
        dedupeKey: `concern:${id}:reopened:${c.reopened_count + 1}`,
        now,
      });
    }
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: v.approve ? 'concern.verify' : 'concern.reopen',
      entity: 'concern',
      entityId: id,
      areaId: c.village_id,
      detail: { comment },
    });
  });
}

/** A comment; from the bureau it is a supervision comment and stays on the record. */
export async function addComment(ctx: Ctx, actor: Actor, id: number, body: string) {
  return ctx.db.tx(async (q) => {
    const c = await repo.getConcern(q, actor.scope, id, true);
    if (!c) throw notFound('诉求/问题');
    const supervision = actor.roles.includes('bureau_supervisor') || actor.roles.includes('bureau_admin');
    if (!supervision && !canHandle(actor, c)) throw forbidden();
    const now = ctx.clock.now();
    await cases.appendTimeline(q, 'concern', {
      caseId: id,
      kind: supervision ? 'supervision' : 'comment',
      text: body,
      actorId: actor.userId,
      at: now,
    });
    if (supervision) {
      await notify(q, {
        recipients: handlers(c.village_id, c.owner),
        kind: 'concern.supervision',
        title: `督导意见：${c.person_name} ${categoryLabel(c.category)}`,
        body,
        ref: { entity: 'concern', id },
        dedupeKey: `concern:${id}:supervision:${now.getTime()}`,
        now,
      });
    }
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'concern.comment',
      entity: 'concern',
      entityId: id,
      areaId: c.village_id,
    });
  });
}

const MAX_FILE = 5 * 1024 * 1024;
const MIME_OK = /^(image\/(jpeg|png|webp|gif)|application\/pdf)$/;

/** Evidence (photo or PDF) for the rectification, by whoever handles it. */
export async function addFile(
  ctx: Ctx,
  actor: Actor,
  id: number,
  f: { name: string; mime: string; data: string },
): Promise<number> {
  if (!MIME_OK.test(f.mime)) throw badRequest('证明材料须为图片（JPEG/PNG/WebP/GIF）或 PDF', 'mime');
  const data = Buffer.from(f.data, 'base64');
  if (data.length === 0) throw badRequest('文件为空或不是 Base64 编码', 'data');
  if (data.length > MAX_FILE) throw badRequest('文件不能超过 5 MB', 'data');
  // The declared type must be what the bytes are: a page or a program named .png is refused.
  if (sniffFileType(data) !== f.mime)
    throw badRequest('文件内容与所选类型不符（须为真实的图片或 PDF）', 'data');
  // In the store (when there is one) before the transaction that names it (modules/files).
  const file = await keepFile(ctx, data);
  return ctx.db.tx(async (q) => {
    const c = await repo.getConcern(q, actor.scope, id, true);
    if (!c) throw notFound('诉求/问题');
    if (!canHandle(actor, c)) throw forbidden('由处理该问题的镇街或村居上传证明材料');
    if (c.status === 'verified') throw conflict('已核验的问题不能再上传材料', 'status');
    const now = ctx.clock.now();
    const fileId = await repo.insertFile(q, {
      concernId: id,
      name: f.name,
      mime: f.mime,
      file,
      userId: actor.userId,
      now,
    });
    await cases.appendTimeline(q, 'concern', {
      caseId: id,
      kind: 'file',
      text: f.name,
      actorId: actor.userId,
      detail: { fileId },
      at: now,
    });
    await repo.updateConcern(q, id, {}, now);
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'concern.file',
      entity: 'concern',
      entityId: id,
      areaId: c.village_id,
      detail: { fileId, name: f.name, size: data.length },
    });
    return fileId;
  });
}

export async function getFile(ctx: Ctx, actor: Actor, id: number, fileId: number) {
  const c = await repo.getConcern(ctx.db, actor.scope, id);
  if (!c) throw notFound('诉求/问题');
  const f = await repo.getFile(ctx.db, id, fileId);
  if (!f) throw notFound('文件');
  return { name: f.name, mime: f.mime, data: await fileBytes(ctx, f) };
}

/**
 * Job: time-limited concerns past their deadline escalate to the bureau once (per deadline), with an
 * entry on the record and a notice; they then show as escalated on the bureau's list.
 */
export function escalateOverdue(ctx: Pick<Ctx, 'db' | 'clock'>) {
  return cases.escalateDue(ctx, {
    batch: 100,
    claim: (q, now, limit) => repo.claimOverdue(q, chinaDate(now), now, limit),
    escalate: async (q, r, now) => {
      await cases.appendTimeline(q, 'concern', {
        caseId: r.id,
        kind: 'escalated',
        text: `已超过整改期限 ${r.deadline}，升级至区民政局督办`,
        actorId: null,
        at: now,
      });
      const p = await repo.concernBrief(q, r.id);
      await notify(q, {
        recipients: bureau(r.village_id),
        kind: 'concern.overdue',
        title: `整改逾期：${p.name} ${categoryLabel(p.category)}`,
        body: `整改期限 ${r.deadline} 已过，尚未整改完成。`,
        ref: { entity: 'concern', id: r.id },
        dedupeKey: `concern:${r.id}:overdue:${r.deadline}`,
        now,
      });
      await appendAudit(q, {
        at: now,
        actorId: null,
        action: 'concern.escalate',
        entity: 'concern',
        entityId: r.id,
        areaId: r.village_id,
        detail: { deadline: r.deadline },
      });
    },
  });
}
