import { AGREEMENT_STATUS_LABELS, PAYMENT_KIND_LABELS } from '../../../shared/care.js';
import {
  checklistColumns,
  checklistVersion,
  formatAnswer,
  isBadAnswer,
  REQUEST_CATEGORY_LABELS,
  VISIT_METHOD_LABELS,
  VISIT_OUTCOME_LABELS,
  type VisitMethod,
  type VisitOutcome,
} from '../../../shared/checklist.js';
import { chinaDate, chinaDateTime } from '../../../shared/china-time.js';
import {
  CONCERN_HANDLING_LABELS,
  CONCERN_STATUS_LABELS,
  INCIDENT_STATUS_LABELS,
  INCIDENT_TYPE_LABELS,
  REFERRAL_STATUS_LABELS,
  REFERRAL_TARGET_LABELS,
} from '../../../shared/incidents.js';
import { ACTIVITY_TYPE_LABELS } from '../../../shared/outreach.js';
import {
  ageOn,
  BENEFIT_CARD_LABELS,
  END_REASON_LABELS,
  PERSON_FLAG_LABELS,
  PERSON_STATUS_LABELS,
  SELF_CARE_LABELS,
  TIER_LABELS,
} from '../../../shared/person.js';
import { can } from '../../../shared/roles.js';
import type { Ctx } from '../../context.js';
import { notFound } from '../../http/errors.js';
import { type Actor, inScope } from '../../http/scope.js';
import { createPdf } from '../../pdf/document.js';
import { appendAudit } from '../audit/index.js';
import { activitiesOfPerson } from '../outreach/index.js';
import { getPerson, listAssessments, listAssignments } from '../persons/index.js';
import * as repo from './repo.js';

const label = <T extends string>(m: Record<T, string>, k: string | null | undefined) =>
  k == null ? '' : ((m as Record<string, string>)[k] ?? k);
const day = (d: Date | string | null | undefined) =>
  d == null ? '' : typeof d === 'string' ? d : chinaDate(new Date(d));
const when = (d: Date | string | null | undefined) => (d == null ? '' : chinaDateTime(new Date(d)));

/**
 * The person file (一人一档) as a printable PDF: identity, assessments, visitors, agreements, every visit
 * with its checklist, incidents, concerns, referrals, payments and the outreach activities that reached them. ID number and phone are full only
 * for officers of the person's area with 'persons.sensitive'; every print is audited as a view.
 */
export async function personDossier(ctx: Ctx, actor: Actor, personId: number) {
  return ctx.db.tx(async (q) => {
    const p = await getPerson(q, actor.scope, personId);
    if (!p) throw notFound('对象');
    const full =
      can(actor.roles, 'persons.sensitive') &&
      (inScope(actor.scope, p.village_id) || inScope(actor.scope, p.town_id));
    const assessments = await listAssessments(q, personId);
    const assignments = await listAssignments(q, personId);
    const d = await repo.dossierParts(q, personId);
    const now = ctx.clock.now();
    const today = chinaDate(now);
    const pdf = createPdf({
      title: `${p.name} 一人一档`,
      watermark: `${actor.displayName} 于 ${chinaDateTime(now)} 打印 · 含个人信息，请妥善保管`,
      footer: `${p.town_name} ${p.village_name} · ${p.name}`,
    });
    pdf.title('分散供养特困人员档案（一人一档）', `${p.town_name} ${p.village_name} · 打印日期 ${today}`);

    pdf.heading('一、基本信息');
    const flags = [
      ...(ageOn(p.birth_date, today) >= 80 ? [PERSON_FLAG_LABELS.aged_80] : []),
      ...p.flags.map((f) => label(PERSON_FLAG_LABELS, f)),
    ];
    pdf.keyValues([
      ['姓名', p.name],
      ['性别', p.sex === 'male' ? '男' : '女'],
      ['身份证号码', full ? ctx.fields.decrypt(p.id_number_enc) : p.id_number_masked],
      ['出生日期', `${p.birth_date}（${ageOn(p.birth_date, today)} 岁）`],
      ['民族', p.ethnicity],
      ['联系电话', p.phone_enc ? (full ? ctx.fields.decrypt(p.phone_enc) : p.phone_masked) : ''],
      ['户籍地址', p.registered_address],
      ['现居住地址', p.current_address],
      ['所属辖区', `${p.town_name} ${p.village_name}`],
      [
        '供养状态',
        `${PERSON_STATUS_LABELS[p.status]}${p.end_reason ? `（${label(END_REASON_LABELS, p.end_reason)}）` : ''}${p.status_since ? ` 自 ${p.status_since}` : ''}`,
      ],
      ['供养开始日期', p.support_start],
      ['供养证编号', p.certificate_no],
      ['生活自理能力', SELF_CARE_LABELS[p.self_care]],
      ['探访类别', TIER_LABELS[p.tier]],
      [
        '一卡通',
        `${BENEFIT_CARD_LABELS[p.benefit_card]}${p.card_custodian ? `（代管人：${p.card_custodian}${p.card_custodian_reason ? `，${p.card_custodian_reason}` : ''}）` : ''}`,
      ],
      ['标识', flags.join('、') || '无'],
      ['探访责任人', p.visitor_name],
      ['备注', p.note],
    ]);

    pdf.heading('二、生活自理能力评估');
    if (assessments.length)
      pdf.table(
        [{ title: '评估日期' }, { title: '结论' }, { title: '评估人' }, { title: '说明', width: 2 }],
        assessments.map((a: any) => [
          a.assessed_on,
          label(SELF_CARE_LABELS, a.level),
          a.assessor_name ?? '',
          a.note ?? '',
        ]),
      );
    else pdf.paragraph('无评估记录。', { indent: false });

    pdf.heading('三、探访责任人');
    pdf.table(
      [{ title: '责任人' }, { title: '类别' }, { title: '起' }, { title: '止' }],
      assignments.map((a) => [
        a.visitor_name,
        a.kind === 'responsible' ? '责任人' : '备用',
        when(a.from_at),
        when(a.to_at) || '至今',
      ]),
    );

    pdf.heading('四、委托照料服务协议');
    if (d.agreements.length)
      pdf.table(
        [
          { title: '照料服务人' },
          { title: '关系' },
          { title: '期限', width: 1.6 },
          { title: '月照料费', align: 'right' },
          { title: '状态' },
          { title: '承诺书签订' },
        ],
        d.agreements.map((a) => [
          a.caregiver_name,
          a.relation,
          `${a.start_date} 至 ${a.end_date}`,
          Number(a.monthly_fee).toFixed(2),
          `${label(AGREEMENT_STATUS_LABELS, a.status)}${a.termination_reason ? `（${a.termination_reason}）` : ''}`,
          a.pledge_signed_on ?? '',
        ]),
      );
    else pdf.paragraph('无照料协议。', { indent: false });

    pdf.heading(`五、探访记录（共 ${d.visits.length} 次）`);
    if (!d.visits.length) pdf.paragraph('无探访记录。', { indent: false });
    for (const v of d.visits) {
      pdf.paragraph(
        `${when(v.at)}　${label(VISIT_METHOD_LABELS, v.method as VisitMethod)}　${label(VISIT_OUTCOME_LABELS, v.outcome as VisitOutcome)}　探访人：${v.visitor_name}${v.duration_minutes ? `　${v.duration_minutes} 分钟` : ''}`,
        { indent: false, size: 10 },
      );
      const def = checklistVersion(v.checklist_version);
      const answers = v.answers ?? {};
      const pairs: [string, string][] = [];
      if (def && v.qualifying) {
        for (const c of checklistColumns(def)) {
          const a = answers[c.section.key]?.[c.item.key];
          const text = formatAnswer(c.item, a);
          if (!text) continue;
          pairs.push([`${c.section.key} ${c.item.label}`, isBadAnswer(c.item, a) ? `⚠ ${text}` : text]);
        }
      }
      if (v.notes) pairs.push(['备注', v.notes]);
      if (pairs.length) pdf.keyValues(pairs, 2);
    }

    pdf.heading('六、应急处置');
    if (d.incidents.length)
      pdf.table(
        [
          { title: '发起时间' },
          { title: '类型' },
          { title: '情况', width: 2 },
          { title: '状态' },
          { title: '结果', width: 1.5 },
        ],
        d.incidents.map((i) => [
          when(i.opened_at),
          label(INCIDENT_TYPE_LABELS, i.type),
          i.description,
          label(INCIDENT_STATUS_LABELS, i.status),
          i.outcome ?? '',
        ]),
      );
    else pdf.paragraph('无应急事件。', { indent: false });

    pdf.heading('七、服务诉求与问题整改');
    if (d.concerns.length)
      pdf.table(
        [
          { title: '登记日期' },
          { title: '类别' },
          { title: '内容', width: 2 },
          { title: '办理方式' },
          { title: '期限' },
          { title: '状态' },
          { title: '办理结果', width: 1.5 },
        ],
        d.concerns.map((c) => [
          day(c.created_at),
          label(REQUEST_CATEGORY_LABELS, c.category),
          c.description,
          label(CONCERN_HANDLING_LABELS, c.handling),
          c.deadline ?? '',
          label(CONCERN_STATUS_LABELS, c.status),
          c.resolution ?? '',
        ]),
      );
    else pdf.paragraph('无诉求记录。', { indent: false });

    pdf.heading('八、转介');
    if (d.referrals.length)
      pdf.table(
        [
          { title: '日期' },
          { title: '转介去向', width: 1.5 },
          { title: '事由', width: 2 },
          { title: '状态' },
          { title: '答复', width: 1.5 },
        ],
        d.referrals.map((r) => [
          day(r.created_at),
          label(REFERRAL_TARGET_LABELS, r.target),
          r.reason,
          label(REFERRAL_STATUS_LABELS, r.status),
          r.response ?? '',
        ]),
      );
    else pdf.paragraph('无转介记录。', { indent: false });

    pdf.heading('九、资金发放');
    if (d.payments.length)
      pdf.table(
        [
          { title: '月份' },
          { title: '项目' },
          { title: '应发（元）', align: 'right' },
          { title: '实发（元）', align: 'right' },
          { title: '发放日期' },
        ],
        d.payments.map((m) => [
          m.month,
          label(PAYMENT_KIND_LABELS, m.kind),
          Number(m.amount_due).toFixed(2),
          Number(m.amount_paid).toFixed(2),
          m.paid_on ?? '',
        ]),
      );
    else pdf.paragraph('无发放记录。', { indent: false });

    pdf.heading('十、关爱活动');
    const activities = await activitiesOfPerson(q, personId);
    if (activities.length)
      pdf.table(
        [
          { title: '日期' },
          { title: '类型' },
          { title: '组织方', width: 1.5 },
          { title: '地点', width: 1.5 },
          { title: '服务内容', width: 2 },
        ],
        activities.map((a) => [
          a.held_on,
          label(ACTIVITY_TYPE_LABELS, a.type),
          a.organiser_name,
          a.place,
          a.services.join('、'),
        ]),
      );
    else pdf.paragraph('无关爱活动记录。', { indent: false });

    const content = await pdf.toBuffer();
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'person.view',
      entity: 'person',
      entityId: personId,
      areaId: p.village_id,
      detail: { document: 'dossier.pdf', fullNumbers: full },
    });
    return { content, filename: `${p.name}-一人一档-${today}.pdf` };
  });
}
