import { SELF_CARE_LABELS } from '../../../shared/person.js';
import type { Ctx } from '../../context.js';
import { createPdf } from '../../pdf/document.js';
import type { AgreementRow } from './repo.js';
import { careSettings } from './settings.js';

const ymd = (d: string | null | undefined) => {
  if (!d) return '____年__月__日';
  const [y, m, day] = d.split('-');
  return `${y}年${Number(m)}月${Number(day)}日`;
};

/** The party's formal name: 罕台镇人民政府, 交通街道办事处, 某某村村民委员会, 某某社区居民委员会. */
export function partyTitle(a: Pick<AgreementRow, 'party_level' | 'party_name'>): string {
  const n = a.party_name;
  if (a.party_level === 'village') {
    if (n.endsWith('社区')) return `${n}居民委员会`;
    if (n.endsWith('村')) return `${n}村民委员会`;
    return `${n}村（居）民委员会`;
  }
  if (n.endsWith('街道')) return `${n}办事处`;
  if (n.endsWith('镇') || n.endsWith('乡')) return `${n}人民政府`;
  return n;
}

/**
 * The numbers a document prints: masked, or — for a role that may see them, with a stated purpose,
 * through the export guard — in full, as a contract to be signed needs them.
 */
export interface PartyNumbers {
  personId: string;
  caregiverId: string;
  caregiverPhone: string | null;
  /** A signature copy (full numbers): no "printed by" line across the top; the print is in the audit log. */
  signatureCopy: boolean;
}

export const maskedNumbers = (a: AgreementRow): PartyNumbers => ({
  personId: a.person_id_masked,
  caregiverId: a.caregiver_id_masked,
  caregiverPhone: a.caregiver_phone_masked,
  signatureCopy: false,
});

/** 委托照料服务协议: the three parties, content, frequency, fee, term, duties and signature blocks. */
export async function agreementPdf(
  _ctx: Ctx,
  a: AgreementRow,
  printed: string,
  n: PartyNumbers = maskedNumbers(a),
): Promise<Buffer> {
  const party = partyTitle(a);
  const doc = createPdf({
    title: '分散供养特困人员委托照料服务协议',
    watermark: n.signatureCopy ? undefined : `东胜区分散供养特困人员探访系统 · ${printed}`,
    footer: `协议编号 ZL-${String(a.id).padStart(6, '0')}`,
  });
  doc.title(
    '分散供养特困人员委托照料服务协议',
    `${a.town_name} · 协议编号 ZL-${String(a.id).padStart(6, '0')}`,
  );
  doc.heading('协议各方');
  doc.keyValues(
    [
      ['甲方（委托方）', party],
      ['乙方（特困人员）', a.person_name],
      ['乙方身份证号', n.personId],
      ['乙方住址', a.person_address ?? '—'],
      ['乙方自理能力', SELF_CARE_LABELS[a.self_care]],
      ['丙方（照料服务人）', a.caregiver_name],
      ['丙方身份证号', n.caregiverId],
      ['丙方联系电话', n.caregiverPhone ?? '—'],
      ['丙方住址', a.caregiver_address ?? '—'],
      ['丙方与乙方关系', a.relation],
    ],
    1,
  );
  doc.paragraph(
    '为保障分散供养特困人员基本生活，落实照料服务责任，确保特困人员“安全有人关注、平日有人照应、生病有人看护”，根据《民政部关于加强分散供养特困人员照料服务的通知》（民发〔2019〕124号）和《东胜区分散供养特困人员定期探访制度》，经甲、乙、丙三方协商一致，签订本协议。',
  );
  doc.heading('一、照料服务内容与频次');
  doc.paragraph(`照料服务内容：${a.content}`);
  doc.paragraph(`照料服务频次：${a.frequency}`);
  doc.heading('二、照料护理费与协议期限');
  doc.keyValues([
    ['月护理费', `人民币 ${a.monthly_fee.toFixed(2)} 元`],
    ['标准依据', `${SELF_CARE_LABELS[a.self_care]}档`],
    ['协议期限', `${ymd(a.start_date)} 至 ${ymd(a.end_date)}`],
    ['签订日期', ymd(a.signed_on)],
  ]);
  doc.heading('三、各方权利与义务');
  doc.paragraph(
    '（一）甲方负责按月足额发放照料护理费，组织探访责任人定期探访，监督丙方履行照料服务责任，定期组织对丙方的考核评价，并将考核结果告知乙方和丙方。',
  );
  doc.paragraph(
    '（二）乙方有权获得约定的照料服务，有权对丙方的照料服务提出意见和要求，有权向甲方反映照料服务中存在的问题。',
  );
  doc.paragraph(
    '（三）丙方应按约定的内容和频次为乙方提供生活照料、精神慰藉和安全监护，发现乙方患病、遭受侵害或出现其他安全风险时，应及时报告甲方或村（居）民委员会并采取必要措施。丙方不得侵占、挪用乙方的供养资金和财产，不得虐待、遗弃乙方。',
  );
  doc.heading('四、协议的解除');
  doc.paragraph(
    '丙方考核评价不合格，或严重侵害乙方合法权益的，甲方应及时解除本协议，更换照料服务人并重新签订协议；情节严重的，依据相关法律法规追究法律责任。协议期满前三十日，甲方应与乙方、丙方协商续签事宜。',
  );
  doc.paragraph('本协议一式三份，甲、乙、丙三方各执一份，自签订之日起生效。');
  doc.signatures([
    { role: '甲方（盖章）', name: party },
    { role: '乙方（签字或按手印）', name: a.person_name },
    { role: '丙方（签字）', name: a.caregiver_name },
  ]);
  return doc.toBuffer();
}

/** 诚信承诺书 of the caregiver, with its public notice period. */
export async function pledgePdf(
  ctx: Ctx,
  a: AgreementRow,
  printed: string,
  n: PartyNumbers = maskedNumbers(a),
): Promise<Buffer> {
  const s = await careSettings(ctx.db, a.village_id);
  const doc = createPdf({
    title: '照料服务人诚信承诺书',
    watermark: n.signatureCopy ? undefined : `东胜区分散供养特困人员探访系统 · ${printed}`,
    footer: `协议编号 ZL-${String(a.id).padStart(6, '0')}`,
  });
  doc.title('照料服务人诚信承诺书', a.town_name);
  doc.keyValues(
    [
      ['照料服务人', a.caregiver_name],
      ['身份证号', n.caregiverId],
      ['照料对象', a.person_name],
      ['与照料对象关系', a.relation],
      ['所属镇街', a.town_name],
      ['所属村居', a.village_name],
    ],
    2,
  );
  doc.paragraph(
    `本人${a.caregiver_name}，自愿担任分散供养特困人员${a.person_name}的照料服务人，已认真阅读并理解《分散供养特困人员委托照料服务协议》（编号 ZL-${String(a.id).padStart(6, '0')}），现郑重承诺：`,
  );
  const items = [
    '一、严格按照协议约定的内容和频次提供照料服务，做到生活照料到位、精神慰藉到位、安全监护到位。',
    '二、不侵占、挪用、截留照料对象的供养资金、一卡通及其他财产，不以任何理由索取额外费用。',
    '三、不虐待、遗弃、歧视照料对象，尊重照料对象的人格尊严和生活习惯。',
    '四、照料对象患病、遭受侵害、走失或出现其他安全风险时，第一时间报告镇（街道）、村（居）民委员会，并采取必要措施。',
    '五、如实反映照料对象的生活状况，积极配合探访责任人的定期探访和镇（街道）组织的考核评价。',
    '六、本承诺书存入照料对象救助档案长期保存，并在一定范围内公示，接受社会监督。',
  ];
  for (const t of items) doc.paragraph(t);
  doc.paragraph(
    '如违反上述承诺，本人自愿接受解除委托照料服务协议的处理；情节严重的，依法承担相应的法律责任。',
  );
  doc.heading('公示信息');
  doc.keyValues([
    ['承诺书签订日期', ymd(a.pledge_signed_on)],
    ['公示天数', `${s['care.pledgeNoticeDays']} 天`],
    ['公示期自', ymd(a.pledge_notice_from)],
    ['公示期至', ymd(a.pledge_notice_to)],
  ]);
  doc.signatures([
    { role: '承诺人（照料服务人）', name: a.caregiver_name },
    { role: '见证单位（盖章）', name: partyTitle(a) },
  ]);
  return doc.toBuffer();
}
