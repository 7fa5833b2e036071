import type { Writable } from 'node:stream';
import { ACTIVITY_TYPE_LABELS, outreachPeriodLabel, reachRuleText } from '../../../shared/outreach.js';
import type { Ctx } from '../../context.js';
import type { Actor } from '../../http/scope.js';
import { day, XlsxWriter } from '../../lib/xlsx-writer.js';
import { appendAudit } from '../audit/index.js';
import * as repo from './repo.js';
import { figureSlice } from './service.js';

const BATCH = 2000;

const ACTIVITY_HEAD = [
  { header: '序号', width: 7 },
  { header: '活动日期', width: 12 },
  { header: '活动类型', width: 10 },
  { header: '举办单位（辖区）', width: 14 },
  { header: '组织方', width: 22 },
  { header: '地点', width: 20 },
  { header: '服务内容', width: 24 },
  { header: '覆盖对象（人）', width: 10 },
  { header: '选取规则', width: 18 },
  { header: '活动内容', width: 30 },
  { header: '登记人', width: 10 },
];

const PARTICIPANT_HEAD = [
  { header: '序号', width: 7 },
  { header: '活动日期', width: 12 },
  { header: '活动类型', width: 10 },
  { header: '组织方', width: 22 },
  { header: '镇（街道）', width: 12 },
  { header: '村（社区）', width: 12 },
  { header: '对象姓名', width: 10 },
  { header: '身份证号码', width: 20 },
];

/**
 * The activities ledger (关爱活动台账): the period's activities of the area, one row each, and a
 * second sheet with one row per person reached (ID numbers masked; an officer sees the persons of
 * their own areas). Audited before the first byte; rows stream in keyset batches.
 */
export async function openActivitiesLedger(
  ctx: Ctx,
  actor: Actor,
  f: { period?: string; areaId?: number },
  ip?: string | null,
) {
  const s = await figureSlice(ctx, actor, f);
  await appendAudit(ctx.db, {
    at: ctx.clock.now(),
    actorId: actor.userId,
    action: 'outreach.ledger',
    entity: 'ledger',
    entityId: `outreach:${s.period}:${s.area.id}`,
    areaId: s.area.id,
    detail: { period: s.period },
    ip: ip ?? null,
  });
  const fileName = `关爱活动台账-${s.area.name}-${outreachPeriodLabel(s.period)}.xlsx`;
  const write = async (out: Writable) => {
    const xw = new XlsxWriter(out, { creator: 'tanfang 探访', created: ctx.clock.now() });
    const title = `${s.area.name} 关爱活动台账（${outreachPeriodLabel(s.period)}）`;
    xw.sheet('关爱活动台账', {
      columns: ACTIVITY_HEAD.map((c) => c.width),
      frozen: { xSplit: 2, ySplit: 2 },
      head: [
        { values: [title], style: 'title' },
        { values: ACTIVITY_HEAD.map((c) => c.header), style: 'header' },
      ],
    });
    let n = 0;
    for (let after = 0; ; ) {
      const rows = await repo.activityBatch(ctx.db, s.slice, actor.scope, after, BATCH);
      for (const r of rows)
        xw.row([
          ++n,
          day(r.held_on),
          ACTIVITY_TYPE_LABELS[r.type] ?? r.type,
          r.area_name,
          r.organiser_name,
          r.place,
          r.services.join('、'),
          r.participant_count,
          reachRuleText(r.reach_rule, r.rule_area_name),
          r.summary ?? '',
          r.created_by_name ?? '',
        ]);
      await xw.flush();
      if (rows.length < BATCH) break;
      after = rows[rows.length - 1].id;
    }
    xw.sheet('覆盖对象', {
      columns: PARTICIPANT_HEAD.map((c) => c.width),
      frozen: { xSplit: 0, ySplit: 2 },
      head: [
        { values: [`${title} · 覆盖对象`], style: 'title' },
        { values: PARTICIPANT_HEAD.map((c) => c.header), style: 'header' },
      ],
    });
    let m = 0;
    for (let after = { activityId: 0, personId: 0 }; ; ) {
      const rows = await repo.participantBatch(ctx.db, s.slice, actor.scope, after, BATCH);
      for (const r of rows)
        xw.row([
          ++m,
          day(r.held_on),
          ACTIVITY_TYPE_LABELS[r.type] ?? r.type,
          r.organiser_name,
          r.town_name,
          r.village_name,
          r.name,
          r.id_number_masked,
        ]);
      await xw.flush();
      if (rows.length < BATCH) break;
      const last = rows[rows.length - 1];
      after = { activityId: last.activity_id, personId: last.person_id };
    }
    await xw.finish();
    return { activities: n, participants: m };
  };
  return { fileName, write };
}
