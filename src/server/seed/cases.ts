import { addDays, chinaDate } from '../../shared/china-time.js';
import type { ConcernStatus } from '../../shared/incidents.js';
import type { Ctx } from '../context.js';
import { sql } from '../db/sql.js';
import * as cases from '../modules/cases/index.js';
import * as concernsRepo from '../modules/concerns/repo.js';
import { escalateOverdue, openConcern } from '../modules/concerns/service.js';
import * as incidentsRepo from '../modules/incidents/repo.js';
import { escalateUnacknowledged, openIncident } from '../modules/incidents/service.js';
import type * as persons from '../modules/persons/index.js';
import * as referralsRepo from '../modules/referrals/repo.js';
import { DISTRICT } from './areas.js';

const HOUR = 3600000;
const DAY = 24 * HOUR;

/**
 * Demo incidents, concerns and referrals on 罕台镇's persons (after persons and visits are seeded):
 * open and closed incidents, concerns in every state (two overdue, escalated), referrals to 卫健 and
 * 公安 and a draft for the town to confirm. The escalation jobs run once at the end, as the server would.
 */
export async function seedDemoCases(ctx: Ctx): Promise<void> {
  const now = ctx.clock.now();
  const at = (ms: number) => new Date(now.getTime() - ms);
  const user = async (username: string) =>
    (
      await ctx.db.query<{ id: number }>(sql('select id from users where lower(username) = $1'), [username])
    )[0]?.id ?? null;
  const town = (
    await ctx.db.query<{ id: number }>(sql('select id from areas where code = $1'), [`${DISTRICT.code}101`])
  )[0];
  if (!town) return;
  const persons = await ctx.db.query<persons.CasePerson & { visitor_id: number | null }>(
    sql(`select id, name, town_id, village_id, status, version, visitor_id from persons
      where town_id = $1 and status = 'active' order by id limit 30`),
    [town.id],
  );
  if (persons.length < 20) return;
  const hantai = await user('hantai');
  const supervisor = await user('supervisor');
  const weijian = await user('weijian');
  const gongan = await user('gongan');
  const p = (i: number) => persons[i];

  await ctx.db.tx(async (q) => {
    // ---- incidents ----
    const inc = (
      i: number,
      type: Parameters<typeof openIncident>[2]['type'],
      description: string,
      ago: number,
    ) =>
      openIncident(ctx, q, {
        person: p(i),
        type,
        description,
        source: 'manual',
        visitId: null,
        actorId: p(i).visitor_id ?? hantai,
        occurredAt: at(ago),
        now: at(ago),
      });
    await inc(0, 'wandering', '探访时不在家，邻居称近日在集市附近乞讨', 40 * 60000);
    const ill = (await inc(1, 'serious_illness', '突发脑梗，已由 120 送东胜区人民医院', 5 * HOUR))!;
    await incidentsRepo.acknowledgeParties(q, ill, ['town'], hantai!, at(4.5 * HOUR));
    await cases.appendTimeline(q, 'incident', {
      caseId: ill,
      kind: 'acknowledged',
      text: '镇街/村居已确认',
      actorId: hantai,
      at: at(4.5 * HOUR),
    });
    await cases.appendTimeline(q, 'incident', {
      caseId: ill,
      kind: 'action',
      text: '镇民政专干已到医院，联系其侄子陪护',
      actorId: hantai,
      at: at(3 * HOUR),
    });
    const abuse = (await inc(2, 'infringement', '照料服务人长期克扣生活费', 6 * DAY))!;
    await incidentsRepo.acknowledgeParties(
      q,
      abuse,
      ['town', 'bureau', 'dept:police'],
      hantai!,
      at(6 * DAY - HOUR),
    );
    await cases.appendTimeline(q, 'incident', {
      caseId: abuse,
      kind: 'action',
      text: '已报公安分局，终止原照料协议，另行委托照料服务人',
      actorId: gongan,
      at: at(5 * DAY),
    });
    await incidentsRepo.closeIncident(
      q,
      abuse,
      '已更换照料服务人，追回被克扣款项 1,800 元',
      hantai!,
      at(3 * DAY),
    );
    await cases.appendTimeline(q, 'incident', {
      caseId: abuse,
      kind: 'closed',
      text: '已更换照料服务人，追回被克扣款项 1,800 元',
      actorId: hantai,
      at: at(3 * DAY),
    });
    const mental = (await inc(3, 'severe_mental_illness', '情绪激动，有伤人倾向', 12 * DAY))!;
    await incidentsRepo.acknowledgeParties(
      q,
      mental,
      ['town', 'bureau', 'dept:health'],
      weijian!,
      at(12 * DAY - HOUR),
    );
    await incidentsRepo.closeIncident(q, mental, '已送精神专科医院住院治疗，病情稳定', hantai!, at(9 * DAY));
    await cases.appendTimeline(q, 'incident', {
      caseId: mental,
      kind: 'closed',
      text: '已送精神专科医院住院治疗，病情稳定',
      actorId: hantai,
      at: at(9 * DAY),
    });

    // ---- concerns: every state, two overdue ----
    const concern = async (
      i: number,
      category: string,
      description: string,
      ago: number,
      steps: { status: ConcernStatus; ago: number; body: string; actor: number | null }[] = [],
      deadlineDays = 15,
    ) => {
      const created = at(ago);
      const id = (await openConcern(q, {
        person: p(i),
        category,
        description,
        source: 'visit',
        visitId: null,
        sourceItem: null,
        deadline: addDays(chinaDate(created), deadlineDays),
        actorId: p(i).visitor_id,
        now: created,
      }))!;
      for (const s of steps) {
        const t = at(s.ago);
        const patch: Parameters<typeof concernsRepo.updateConcern>[2] = { status: s.status };
        if (s.status === 'resolved')
          Object.assign(patch, { resolution: s.body, resolvedAt: t, resolvedBy: s.actor });
        if (s.status === 'verified') Object.assign(patch, { verifiedAt: t, verifiedBy: s.actor });
        await concernsRepo.updateConcern(q, id, patch, t);
        await cases.appendTimeline(q, 'concern', {
          caseId: id,
          kind: s.status === 'verified' ? 'verified' : 'status',
          text: s.body,
          actorId: s.actor,
          at: t,
        });
      }
      return id;
    };
    await concern(4, 'housing', '屋顶漏雨，雨季前需修缮', 2 * DAY);
    await concern(5, 'money', '本月生活费未到账', 20 * DAY);
    await concern(6, 'safety', '燃气软管老化', 25 * DAY, [
      { status: 'in_progress', ago: 20 * DAY, body: '已联系燃气公司', actor: hantai },
    ]);
    await concern(7, 'medical', '需要代购降压药', 4 * DAY, [
      { status: 'in_progress', ago: 3 * DAY, body: '村医每周送药', actor: hantai },
    ]);
    await concern(8, 'sanitation', '院内垃圾堆积', 8 * DAY, [
      { status: 'in_progress', ago: 7 * DAY, body: '', actor: hantai },
      { status: 'resolved', ago: 2 * DAY, body: '已组织志愿者清理', actor: hantai },
    ]);
    const verified = await concern(9, 'paperwork', '身份证过期需补办', 30 * DAY, [
      { status: 'resolved', ago: 25 * DAY, body: '已代办新证', actor: hantai },
      { status: 'verified', ago: 22 * DAY, body: '核验属实', actor: supervisor },
    ]);
    await cases.appendTimeline(q, 'concern', {
      caseId: verified,
      kind: 'supervision',
      text: '代办事项要留存回执',
      actorId: supervisor,
      at: at(22 * DAY),
    });

    // ---- referrals ----
    const ref = async (
      i: number,
      target: Parameters<typeof referralsRepo.insertReferral>[1]['target'],
      department: Parameters<typeof referralsRepo.insertReferral>[1]['department'],
      reason: string,
      status: Parameters<typeof referralsRepo.insertReferral>[1]['status'],
      ago: number,
      answer?: { by: number | null; response: string },
    ) => {
      const id = (await referralsRepo.insertReferral(q, {
        personId: p(i).id,
        townId: p(i).town_id,
        villageId: p(i).village_id,
        target,
        department,
        institution: target === 'centralized' ? '东胜区社会福利院' : null,
        reason,
        source: status === 'draft' ? 'visit' : 'manual',
        visitId: null,
        sourceItem: null,
        status,
        createdBy: hantai,
        now: at(ago),
      }))!;
      await cases.appendTimeline(q, 'referral', {
        caseId: id,
        kind: status === 'draft' ? 'draft' : 'pending',
        text: reason,
        actorId: hantai,
        at: at(ago),
      });
      if (answer) {
        await referralsRepo.updateReferral(
          q,
          id,
          { response: answer.response, respondedAt: at(ago / 2), respondedBy: answer.by ?? undefined },
          at(ago / 2),
        );
        await cases.appendTimeline(q, 'referral', {
          caseId: id,
          kind: status,
          text: answer.response,
          actorId: answer.by,
          at: at(ago / 2),
        });
      }
    };
    await ref(10, 'medical_institution', 'health', '疑似精神疾病，需专科诊治', 'pending', 2 * DAY);
    await ref(
      11,
      'special_medical',
      'medical_insurance',
      '住院自付部分较多，申请医疗救助',
      'accepted',
      6 * DAY,
      {
        by: null,
        response: '已受理，待审核票据',
      },
    );
    await ref(12, 'temporary', 'police', '疑似遭受侵害，请协助调查', 'accepted', 4 * DAY, {
      by: gongan,
      response: '已立案',
    });
    await ref(
      13,
      'welfare_institution',
      'disabled_federation',
      '重度残疾，申请入住福利机构',
      'rejected',
      10 * DAY,
      {
        by: null,
        response: '材料不全，请补充残疾证',
      },
    );
    await ref(14, 'centralized', null, '本人有意愿转为集中供养：独居行动不便', 'draft', DAY);
    await ref(15, 'special_housing', 'housing', '房屋鉴定为 C 级危房', 'completed', 40 * DAY, {
      by: null,
      response: '已纳入危房改造，完成修缮',
    });
  });
  await escalateUnacknowledged(ctx);
  await escalateOverdue(ctx);
}
