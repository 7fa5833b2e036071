import {
  addMonths,
  CARE_DEFAULTS,
  CAREGIVER_RELATIONS,
  previousReviewPeriod,
  scoreReview,
} from '../../shared/care.js';
import { addDays, chinaDate, chinaMonth } from '../../shared/china-time.js';
import { maskIdNumber, maskPhone } from '../../shared/id-card.js';
import type { Ctx } from '../context.js';
import { sql } from '../db/sql.js';
import { openReplacement } from '../modules/care/service.js';
import { fakeIdNumber } from './fake.js';
import { fakeName, rng } from './random.js';

const CONTENT = [
  '生活照料（做饭、洗衣、打扫卫生）、精神慰藉、安全监护、协助就医',
  '每日送餐、打扫卫生、代购生活用品，冬季协助生火取暖',
  '协助起居、洗澡、如厕，陪同就医取药，夜间安全照看',
];
const FREQUENCY = ['每日上门一次', '每日早晚各一次', '每周不少于五次'];

/**
 * Demo caregivers, agreements, pledges, last quarter's reviews and three months of payments, on top
 * of the demo persons. Most persons who need an agreement have one; a few have none, a few expire
 * within 30 days, a few pledges are in their public notice, two reviews fail (their replacement cases
 * are open), and a few persons were not paid last month. Deterministic.
 */
export async function seedDemoCare(ctx: Ctx): Promise<{ agreements: number; payments: number }> {
  const rand = rng(606);
  const now = ctx.clock.now();
  const today = chinaDate(now);
  const f = ctx.fields;
  const persons = await ctx.db.query<{
    id: number;
    name: string;
    self_care: 'capable' | 'partial' | 'none';
    town_id: number;
    village_id: number;
    support_start: string;
  }>(
    sql(
      `select id, name, self_care, town_id, village_id, support_start from persons where status = 'active' order by id`,
    ),
  );
  const needing = persons.filter((p) => p.self_care !== 'capable');
  // The two failing reviews go to 罕台镇, whose officer is the documented demo login.
  const [hantai] = await ctx.db.query<{ id: number }>(sql(`select id from areas where code = '150602101'`));
  const fee = CARE_DEFAULTS['care.feeTable'];

  return ctx.db.tx(async (q) => {
    let agreements = 0;
    const period = previousReviewPeriod(today, CARE_DEFAULTS['care.review'].periodMonths);
    let failed = 0;
    for (const [i, p] of needing.entries()) {
      if (i % 13 === 5) continue; // a few persons still need an agreement
      const birth = `19${60 + Math.floor(rand() * 25)}-0${1 + Math.floor(rand() * 9)}-1${Math.floor(rand() * 9)}`;
      const idNumber = fakeIdNumber(birth, rand() < 0.6 ? 'female' : 'male', 100 + i, '150602');
      const phone = `13${Math.floor(100000000 + rand() * 899999999)}`;
      const sameSurname = rand() < 0.5;
      const name = sameSurname ? p.name[0] + fakeName(rand).slice(1) : fakeName(rand);
      const relation = sameSurname
        ? CAREGIVER_RELATIONS[Math.floor(rand() * 4)]
        : CAREGIVER_RELATIONS[4 + Math.floor(rand() * 3)];
      const [c] = await q.query<{ id: number }>(
        sql(`insert into caregivers (name, id_number_enc, id_number_hash, id_number_masked, phone_enc, phone_hash, phone_masked,
            address, area_id, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
         on conflict (id_number_hash) do nothing returning id`),
        [
          name,
          f.encrypt(idNumber),
          f.hash(idNumber),
          maskIdNumber(idNumber),
          f.encrypt(phone),
          f.hash(phone),
          maskPhone(phone),
          `${Math.floor(1 + rand() * 8)} 组 ${Math.floor(1 + rand() * 60)} 号`,
          p.village_id,
          now,
        ],
      );
      if (!c) continue;
      // Terms: a few end within 30 days, a few pledges were signed this week (in public notice).
      let start: string;
      let end: string;
      if (i % 11 === 3) {
        end = addDays(today, 5 + (i % 23));
        start = addDays(end, -364);
      } else if (i % 17 === 2) {
        start = addDays(today, -(i % 5));
        end = addDays(start, 364);
      } else {
        start = addDays(today, -(40 + Math.floor(rand() * 280)));
        end = addDays(start, 364 + (rand() < 0.3 ? 365 : 0));
      }
      if (start < p.support_start) start = p.support_start;
      const [a] = await q.query<{ id: number }>(
        sql(`insert into care_agreements (person_id, caregiver_id, relation, party_area_id, town_id, content, frequency, self_care,
            monthly_fee, start_date, end_date, signed_on, status, pledge_signed_on, pledge_notice_from, pledge_notice_to,
            created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10, 'active', $10, $10, $12, $13, $13) returning id`),
        [
          p.id,
          c.id,
          relation,
          i % 4 === 0 ? p.village_id : p.town_id,
          p.town_id,
          CONTENT[i % CONTENT.length],
          FREQUENCY[i % FREQUENCY.length],
          p.self_care,
          fee[p.self_care] ?? 0,
          start,
          end,
          addDays(start, CARE_DEFAULTS['care.pledgeNoticeDays'] - 1),
          now,
        ],
      );
      agreements++;
      await q.query(
        sql(
          `insert into caregiver_assignments (caregiver_id, person_id, relation, from_date, created_at) values ($1, $2, $3, $4, $5)`,
        ),
        [c.id, p.id, relation, start, now],
      );
      await q.query(
        sql(`insert into person_events (person_id, at, kind, title, ref_entity, ref_id)
         values ($1, $2, 'care.agreement', $3, 'care_agreement', $4)`),
        [
          p.id,
          now,
          `签订照料协议：照料服务人 ${name}，${start} 至 ${end}，月护理费 ${fee[p.self_care]} 元`,
          String(a.id),
        ],
      );
      // Last quarter's review, where the agreement covered it.
      if (start <= period.from) {
        const fail = failed < 2 && p.town_id === hantai?.id && i % 7 === 3;
        const satisfaction = fail ? 2 : 4 + Math.floor(rand() * 2);
        const neighbours = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => ({
          name: fakeName(rand),
          score: fail ? 1 + Math.floor(rand() * 2) : 3 + Math.floor(rand() * 3),
        }));
        const rule = CARE_DEFAULTS['care.review'];
        const observations = { visits: 0, duty: { yes: 0, partly: 0, no: 0 }, seriousInfringements: 0 };
        const s = scoreReview(
          { satisfaction, neighbourScores: neighbours.map((n) => n.score), observations },
          rule,
        );
        const [r] = await q.query<{ id: number }>(
          sql(`insert into caregiver_reviews (agreement_id, person_id, caregiver_id, period_from, period_to, satisfaction,
              neighbour_evaluations, visit_observations, satisfaction_score, neighbour_score, visit_score, score, passed,
              rule, created_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) returning id`),
          [
            a.id,
            p.id,
            c.id,
            period.from,
            period.to,
            satisfaction,
            JSON.stringify(neighbours),
            JSON.stringify(observations),
            s.satisfactionScore,
            s.neighbourScore,
            s.visitScore,
            s.score,
            s.passed,
            JSON.stringify(rule),
            now,
          ],
        );
        await q.query(
          sql(`insert into person_events (person_id, at, kind, title, ref_entity, ref_id)
           values ($1, $2, 'care.review', $3, 'caregiver_review', $4)`),
          [
            p.id,
            now,
            `照料服务人 ${name} 考核评价（${period.from} 至 ${period.to}）：${s.score} 分，${s.passed ? '合格' : '不合格'}`,
            String(r.id),
          ],
        );
        if (!s.passed) {
          failed++;
          await openReplacement(q, {
            personId: p.id,
            personName: p.name,
            townId: p.town_id,
            villageId: p.village_id,
            agreementId: a.id,
            caregiverId: c.id,
            caregiverName: name,
            cause: 'review_failed',
            reviewId: r.id,
            detail: `考核得分 ${s.score}，低于合格线 ${rule.passScore}`,
            actorId: null,
            now,
          });
        }
      }
    }

    // Payments for the last three months: allowance for everyone active then, the care fee where an
    // agreement covered the month; every 37th person got nothing last month, every 23rd only part.
    const thisMonth = chinaMonth(now);
    const months = [addMonths(thisMonth, -3), addMonths(thisMonth, -2), addMonths(thisMonth, -1)];
    const allowance = CARE_DEFAULTS['money.allowance'];
    let payments = 0;
    for (const [mi, m] of months.entries()) {
      const last = mi === months.length - 1;
      const rows = await q.query(
        sql(`insert into payments (person_id, month, kind, amount_due, amount_paid, paid_on, source, updated_at)
         select p.id, $1, k.kind,
                case when k.kind = 'allowance' then $2::numeric else ca.monthly_fee end,
                case when $3 and p.id % 37 = 0 then 0
                     when $3 and p.id % 23 = 0 and k.kind = 'care_fee' then round(ca.monthly_fee / 2, 2)
                     when k.kind = 'allowance' then $2::numeric else ca.monthly_fee end,
                case when $3 and p.id % 37 = 0 then null else ($1 || '-0' || (3 + p.id % 5))::date end,
                'demo', $4
           from persons p
           cross join (values ('allowance'), ('care_fee')) as k(kind)
           left join lateral (select monthly_fee from care_agreements ca
                               where ca.person_id = p.id and ca.start_date <= ($1 || '-28')::date and ca.end_date >= ($1 || '-01')::date
                               order by ca.start_date desc limit 1) ca on true
          where p.status = 'active' and p.support_start <= ($1 || '-01')::date
            and (k.kind = 'allowance' or ca.monthly_fee is not null)
         on conflict (person_id, month, kind) do nothing returning id`),
        [m, allowance, last, now],
      );
      payments += rows.length;
    }
    return { agreements, payments };
  });
}
