import { chinaDate, chinaDateTime } from '../../../shared/china-time.js';
import {
  DEFAULT_INCIDENT_CONFIG,
  INCIDENT_TYPE_LABELS,
  type IncidentConfig,
  type IncidentType,
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
import { putSetting, systemSetting } from '../settings/index.js';
import { cancelOpenTasksFrom, createFollowUpTask } from '../visits/index.js';
import * as repo from './repo.js';

export const INCIDENT_CONFIG_SETTING = 'incidents.config';

export async function loadIncidentConfig(q: Queryable): Promise<IncidentConfig> {
  const v = await systemSetting<Partial<IncidentConfig> | undefined>(q, INCIDENT_CONFIG_SETTING, undefined);
  return {
    ...DEFAULT_INCIDENT_CONFIG,
    ...v,
    departments: { ...DEFAULT_INCIDENT_CONFIG.departments, ...v?.departments },
  };
}

export async function saveIncidentConfig(ctx: Ctx, actor: Actor, cfg: IncidentConfig) {
  await ctx.db.tx(async (q) => {
    await putSetting(q, {
      areaId: null,
      key: INCIDENT_CONFIG_SETTING,
      value: cfg,
      by: actor.userId,
      now: ctx.clock.now(),
    });
    await appendAudit(q, {
      at: ctx.clock.now(),
      actorId: actor.userId,
      action: 'settings.incidents',
      entity: 'settings',
      entityId: INCIDENT_CONFIG_SETTING,
      detail: cfg as unknown as Record<string, unknown>,
    });
  });
  return cfg;
}

const PARTY_LABELS = (party: string) =>
  party === 'town'
    ? '镇街/村居'
    : party === 'bureau'
      ? '区民政局'
      : `${DEPARTMENT_LABELS[party.slice(5) as Department] ?? party.slice(5)}联络人`;
export const partyLabel = PARTY_LABELS;

/** Who receives notices for a party on the incident's village. */
function partyRecipients(party: string, villageId: number): RecipientSelector[] {
  if (party === 'town') {
    return [
      { role: 'town_officer', areaId: villageId },
      { role: 'village_officer', areaId: villageId },
    ];
  }
  if (party === 'bureau') return [{ role: 'bureau_supervisor', areaId: villageId }];
  return [{ role: 'department_liaison', areaId: villageId, department: party.slice(5) as Department }];
}

/** One level up: the town and departments escalate to the bureau; the bureau's supervisors to its admins. */
function escalationRecipients(party: string, villageId: number): RecipientSelector[] {
  if (party === 'bureau') return [{ role: 'bureau_admin', areaId: villageId }];
  return [
    { role: 'bureau_supervisor', areaId: villageId },
    { role: 'bureau_admin', areaId: villageId },
  ];
}

/** First day of the month after `date` (YYYY-MM-DD): support ends from there (认定办法 Art. 24–26). */
export function firstOfNextMonth(date: string): string {
  const [y, m] = date.split('-').map(Number);
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

/**
 * Opens an incident inside the caller's transaction (from a visit or by hand): the parties to
 * acknowledge with their deadline, the timeline, notices, the person's timeline; death ends support
 * from the next month and cancels open tasks; missing pauses support; a follow-up visit task for
 * the rest. Idempotent per (visit, type): returns null when the visit already opened it.
 */
export async function openIncident(
  ctx: Ctx,
  q: Queryable,
  o: {
    person: persons.CasePerson;
    type: IncidentType;
    description: string;
    source: 'visit' | 'manual';
    visitId: number | null;
    actorId: number | null;
    critical?: boolean;
    /** When it was found (the visit's time); a death ends support from the month after it. */
    occurredAt?: Date;
    now: Date;
  },
): Promise<number | null> {
  const cfg = await loadIncidentConfig(q);
  const departments = cfg.departments[o.type] ?? [];
  const critical = o.critical ?? cfg.critical.includes(o.type);
  const id = await repo.insertIncident(q, {
    personId: o.person.id,
    townId: o.person.town_id,
    villageId: o.person.village_id,
    type: o.type,
    critical,
    description: o.description,
    source: o.source,
    visitId: o.visitId,
    departments,
    openedBy: o.actorId,
    now: o.now,
  });
  if (id == null) return null;
  const typeLabel = INCIDENT_TYPE_LABELS[o.type];
  const parties = ['town', 'bureau', ...departments.map((d) => `dept:${d}`)];
  const dueAt = new Date(o.now.getTime() + cfg.ackHours * 3600000);
  await repo.insertParties(q, id, parties, dueAt);
  await cases.appendTimeline(q, 'incident', {
    caseId: id,
    kind: 'opened',
    text: o.description || `${typeLabel}`,
    actorId: o.actorId,
    detail: { source: o.source, visitId: o.visitId, critical },
    at: o.now,
  });
  const title = `${critical ? '【紧急】' : ''}应急事件：${o.person.name} ${typeLabel}`;
  const body = `${o.person.name}（${typeLabel}）${o.description ? `：${o.description}` : ''}。请在 ${cfg.ackHours} 小时内确认。`;
  const notified: string[] = [];
  for (const party of parties) {
    const r = await notify(q, {
      recipients: partyRecipients(party, o.person.village_id),
      kind: 'incident.opened',
      title,
      body,
      ref: { entity: 'incident', id },
      dedupeKey: `incident:${id}:opened`,
      now: o.now,
    });
    notified.push(`${PARTY_LABELS(party)}（${r.recipients.length} 人）`);
  }
  await cases.appendTimeline(q, 'incident', {
    caseId: id,
    kind: 'notified',
    text: `已通知：${notified.join('、')}；确认时限 ${cfg.ackHours} 小时`,
    actorId: null,
    detail: { parties, dueAt },
    at: o.now,
  });
  await insertPersonEvent(q, {
    personId: o.person.id,
    at: o.now,
    kind: 'incident.opened',
    title: `应急事件：${typeLabel}${o.description ? `（${o.description}）` : ''}`,
    actorId: o.actorId,
    refEntity: 'incident',
    refId: id,
  });
  await appendAudit(q, {
    at: o.now,
    actorId: o.actorId,
    action: 'incident.open',
    entity: 'incident',
    entityId: id,
    areaId: o.person.village_id,
    detail: { type: o.type, personId: o.person.id, source: o.source, visitId: o.visitId },
  });

  const today = chinaDate(o.now);
  if (o.type === 'death' && o.person.status !== 'ended') {
    const effectiveOn = firstOfNextMonth(chinaDate(o.occurredAt ?? o.now));
    await changePersonStatus(ctx, {
      actor: null,
      q,
      personId: o.person.id,
      status: 'ended',
      endReason: 'death',
      reason: `应急事件 #${id}`,
      effectiveOn,
    });
    // Nobody visits after a death: this period's task goes too, not only those from next month.
    const cancelled = await cancelOpenTasksFrom(q, o.person.id, o.now, 'ended', o.now);
    await cases.appendTimeline(q, 'incident', {
      caseId: id,
      kind: 'support',
      text: `终止供养（死亡），自 ${effectiveOn} 起停发；取消未完成探访任务 ${cancelled} 个`,
      actorId: null,
      at: o.now,
    });
  } else if (o.type === 'missing' && o.person.status === 'active') {
    await changePersonStatus(ctx, {
      actor: null,
      q,
      personId: o.person.id,
      status: 'paused',
      reason: `失踪（应急事件 #${id}）`,
      effectiveOn: today,
    });
    await cases.appendTimeline(q, 'incident', {
      caseId: id,
      kind: 'support',
      text: `暂停供养（失踪），自 ${today} 起；未完成探访任务已取消`,
      actorId: null,
      at: o.now,
    });
  } else if (o.type !== 'death') {
    const task = await createFollowUpTask(q, {
      personId: o.person.id,
      now: o.now,
      severity: critical ? 'critical' : 'normal',
      reason: `应急事件回访：${typeLabel}`,
      sourceEntity: 'incident',
      sourceId: id,
    });
    if (task) {
      await cases.appendTimeline(q, 'incident', {
        caseId: id,
        kind: 'follow_up',
        text: `已生成${critical ? '紧急' : ''}回访任务，截止 ${chinaDateTime(new Date(task.window_end))}`,
        actorId: null,
        detail: { taskId: task.id },
        at: o.now,
      });
    }
  }
  return id;
}

export async function createIncident(
  ctx: Ctx,
  actor: Actor,
  input: { personId: number; type: IncidentType; description: string; critical?: boolean },
) {
  return ctx.db.tx(async (q) => {
    const person = await persons.getPersonInScope(q, actor.scope, input.personId);
    if (!person) throw notFound('对象');
    if (person.status === 'ended') throw badRequest('该对象已终止供养，不能再发起应急事件', 'personId');
    const id = await openIncident(ctx, q, {
      person,
      type: input.type,
      description: input.description,
      source: 'manual',
      visitId: null,
      actorId: actor.userId,
      critical: input.critical,
      now: ctx.clock.now(),
    });
    return id!;
  });
}

/** The parties of an incident the actor answers for. */
export function actorParties(actor: Actor, inc: repo.IncidentRow): string[] {
  const out: string[] = [];
  const covers = inScope(actor.scope, inc.village_id);
  if (covers && (actor.roles.includes('town_officer') || actor.roles.includes('village_officer')))
    out.push('town');
  if (covers && (actor.roles.includes('bureau_admin') || actor.roles.includes('bureau_supervisor')))
    out.push('bureau');
  for (const d of actor.scope.departments) if (inc.departments.includes(d)) out.push(`dept:${d}`);
  return out;
}

export async function getIncident(ctx: Ctx, actor: Actor, id: number) {
  const inc = await repo.getIncident(ctx.db, actor.scope, id);
  if (!inc) throw notFound('应急事件');
  const actions = await cases.listTimeline(ctx.db, 'incident', id);
  return { inc, actions, myParties: actorParties(actor, inc) };
}

export async function acknowledge(ctx: Ctx, actor: Actor, id: number, note?: string) {
  return ctx.db.tx(async (q) => {
    const inc = await repo.getIncident(q, actor.scope, id, true);
    if (!inc) throw notFound('应急事件');
    const mine = actorParties(actor, inc);
    if (mine.length === 0) throw forbidden('您不是该事件需要确认的一方');
    const now = ctx.clock.now();
    const acked = await repo.acknowledgeParties(q, id, mine, actor.userId, now);
    if (acked.length === 0) throw conflict('您所在的一方已确认过该事件，无需重复确认');
    const late = inc.parties.filter((p) => acked.includes(p.party) && new Date(p.due_at) < now);
    await cases.appendTimeline(q, 'incident', {
      caseId: id,
      kind: 'acknowledged',
      text: `${acked.map(PARTY_LABELS).join('、')}已确认${late.length ? '（已超时）' : ''}${note ? `：${note}` : ''}`,
      actorId: actor.userId,
      detail: { parties: acked },
      at: now,
    });
    await repo.bumpVersion(q, id);
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'incident.acknowledge',
      entity: 'incident',
      entityId: id,
      areaId: inc.village_id,
      detail: { parties: acked },
    });
  });
}

export async function addAction(ctx: Ctx, actor: Actor, id: number, note: string) {
  return ctx.db.tx(async (q) => {
    const inc = await repo.getIncident(q, actor.scope, id, true);
    if (!inc) throw notFound('应急事件');
    if (inc.status === 'closed') throw conflict('事件已结案，不能再添加处置记录');
    if (actorParties(actor, inc).length === 0) throw forbidden('您不是该事件的处置方');
    const now = ctx.clock.now();
    await cases.appendTimeline(q, 'incident', {
      caseId: id,
      kind: 'action',
      text: note,
      actorId: actor.userId,
      at: now,
    });
    await repo.bumpVersion(q, id);
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'incident.action',
      entity: 'incident',
      entityId: id,
      areaId: inc.village_id,
    });
  });
}

/**
 * Closes an incident with its outcome. A party that never acknowledged it (公安, 区民政局 …) must be
 * named in an explicit override with a reason, recorded on the timeline: an incident must not close on
 * one click while someone it was sent to has not even seen it (issue 25).
 */
export async function closeIncident(
  ctx: Ctx,
  actor: Actor,
  id: number,
  outcome: string,
  override?: { parties: string[]; reason: string },
) {
  const text = outcome.trim();
  if (!text) throw badRequest('结案须填写处置结果', 'outcome');
  return ctx.db.tx(async (q) => {
    const inc = await repo.getIncident(q, actor.scope, id, true);
    if (!inc) throw notFound('应急事件');
    if (inc.status === 'closed') throw conflict('事件已结案');
    const now = ctx.clock.now();
    const pending = inc.parties.filter((p) => !p.acknowledged_at).map((p) => p.party);
    const reason = override?.reason.trim() ?? '';
    if (pending.length) {
      const named = new Set(override?.parties ?? []);
      const missing = pending.filter((p) => !named.has(p));
      if (missing.length)
        throw conflict(
          `${missing.map(PARTY_LABELS).join('、')}尚未确认：结案须列出未确认的各方并说明原因`,
          'override',
        );
      if (!reason) throw badRequest('请填写未经确认即结案的原因', 'override.reason');
      await cases.appendTimeline(q, 'incident', {
        caseId: id,
        kind: 'override',
        text: `${pending.map(PARTY_LABELS).join('、')}未确认即结案，原因：${reason}`,
        actorId: actor.userId,
        detail: { parties: pending, reason },
        at: now,
      });
    }
    await repo.closeIncident(q, id, text, actor.userId, now);
    await cases.appendTimeline(q, 'incident', {
      caseId: id,
      kind: 'closed',
      text,
      actorId: actor.userId,
      at: now,
    });
    await insertPersonEvent(q, {
      personId: inc.person_id,
      at: now,
      kind: 'incident.closed',
      title: `应急事件结案：${INCIDENT_TYPE_LABELS[inc.type]}，${text}`,
      actorId: actor.userId,
      refEntity: 'incident',
      refId: id,
    });
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'incident.close',
      entity: 'incident',
      entityId: id,
      areaId: inc.village_id,
      detail: {
        outcome: text,
        ...(pending.length ? { unacknowledged: pending, overrideReason: reason } : {}),
      },
    });
  });
}

/**
 * Job: every party past its acknowledgement deadline escalates one level up, once, with a timeline
 * entry and a notice. Claimed with SKIP LOCKED and marked in the same transaction, so two processes
 * never escalate the same party twice.
 */
export async function escalateUnacknowledged(ctx: Pick<Ctx, 'db' | 'clock'>) {
  let escalated = 0;
  for (;;) {
    const n = await ctx.db.tx(async (q) => {
      const now = ctx.clock.now();
      const rows = await repo.claimOverdueParties(q, now, 50);
      for (const r of rows) {
        const inc = await repo.incidentBrief(q, r.incident_id);
        const up = r.party === 'bureau' ? '区民政局管理员' : '区民政局';
        const label = PARTY_LABELS(r.party);
        await cases.appendTimeline(q, 'incident', {
          caseId: r.incident_id,
          kind: 'escalated',
          text: `${label}未在时限内确认，已升级至${up}`,
          actorId: null,
          detail: { party: r.party, dueAt: r.due_at },
          at: now,
        });
        await repo.bumpVersion(q, r.incident_id);
        await notify(q, {
          recipients: escalationRecipients(r.party, inc.village_id),
          kind: 'incident.escalated',
          title: `应急事件超时未确认：${inc.person_name} ${INCIDENT_TYPE_LABELS[inc.type]}`,
          body: `${label}未在时限内确认应急事件 #${r.incident_id}，请督促处置。`,
          ref: { entity: 'incident', id: r.incident_id },
          dedupeKey: `incident:${r.incident_id}:escalated:${r.party}`,
          now,
        });
        await appendAudit(q, {
          at: now,
          actorId: null,
          action: 'incident.escalate',
          entity: 'incident',
          entityId: r.incident_id,
          areaId: inc.village_id,
          detail: { party: r.party },
        });
      }
      return rows.length;
    });
    escalated += n;
    if (n < 50) break;
  }
  return { escalated };
}
