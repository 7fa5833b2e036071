import { addDays, chinaDate } from '../../shared/china-time.js';
import { maskIdNumber, maskPhone } from '../../shared/id-card.js';
import { SELF_CARE_INDICATORS, type SelfCare, tierOf } from '../../shared/person.js';
import type { Ctx } from '../context.js';
import { sql } from '../db/sql.js';
import * as repo from '../modules/persons/repo.js';
import { fakeIdNumber } from './fake.js';
import { type DemoUsers, fakeName, rng } from './random.js';

const ETHNICITIES = ['汉族', '汉族', '汉族', '汉族', '汉族', '汉族', '蒙古族', '蒙古族', '回族', '满族'];
const STREETS = ['幸福路', '团结巷', '民生街', '新华路', '向阳巷', '东环路', '伊金霍洛街', '宝日陶亥街'];
const ILLNESS_REASONS = ['住院治疗', '外出就医', '临时随亲属居住'];

/**
 * About 1,200 persons across every village of the demo district, each assigned to a visitor of their
 * village, with a first assessment, a status history and a timeline entry. Written with a handful of
 * bulk statements so a fresh start stays fast.
 */
export async function seedDemoPersons(ctx: Ctx, users: DemoUsers, target = 1200): Promise<number> {
  const rand = rng(31415);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const now = ctx.clock.now();
  const today = chinaDate(now);
  const f = ctx.fields;
  const villages = await ctx.db.query<{
    id: number;
    name: string;
    town_id: number;
    town_name: string;
    code: string;
  }>(
    sql(`select v.id, v.name, t.id as town_id, t.name as town_name, v.code
       from areas v join areas t on t.id = v.parent_id
      where v.level = 'village' and v.retired_at is null and v.code like '150602%' order by v.code`),
  );
  const withVisitors = villages.filter((v) => users.visitorsByVillage.get(v.id)?.length);
  // Rural villages (towns 100–102) carry more persons than urban communities.
  const weight = (v: (typeof villages)[number]) => (/^150602(100|101|102)/.test(v.code) ? 1.4 : 1);
  const totalWeight = withVisitors.reduce((s, v) => s + weight(v), 0);

  // Demo visitors get phone numbers, so a roster can name them by name and phone.
  let phoneNo = 0;
  for (const ids of users.visitorsByVillage.values()) {
    for (const id of ids) {
      const phone = `1390477${String(++phoneNo).padStart(4, '0')}`;
      await ctx.db.query(sql('update users set phone_enc = $2, phone_hash = $3 where id = $1'), [
        id,
        f.encrypt(phone),
        f.hash(phone),
      ]);
    }
  }

  const usedIds = new Set<string>();
  type Row = Parameters<typeof repo.insertPersons>[1][number];
  const rows: Row[] = [];
  const meta: { level: SelfCare; supportStart: string; indicators: Record<string, boolean> }[] = [];
  let serial = 0;
  for (const v of withVisitors) {
    const n = Math.round((target * weight(v)) / totalWeight);
    const visitors = users.visitorsByVillage.get(v.id)!;
    for (let k = 0; k < n; k++) {
      const sex = rand() < 0.55 ? 'male' : 'female';
      const ageRoll = rand();
      const age =
        ageRoll < 0.12
          ? 30 + Math.floor(rand() * 30)
          : ageRoll < 0.7
            ? 60 + Math.floor(rand() * 20)
            : 80 + Math.floor(rand() * 16);
      const birthDate = `${Number(today.slice(0, 4)) - age}-${String(1 + Math.floor(rand() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}`;
      let idNumber: string;
      do idNumber = fakeIdNumber(birthDate, sex, serial++ + Math.floor(rand() * 1000));
      while (usedIds.has(idNumber));
      usedIds.add(idNumber);
      const roll = rand();
      const level: SelfCare = roll < 0.65 ? 'capable' : roll < 0.9 ? 'partial' : 'none';
      const notMet =
        level === 'capable'
          ? 0
          : level === 'partial'
            ? 1 + Math.floor(rand() * 3)
            : 4 + Math.floor(rand() * 3);
      const indicators = Object.fromEntries(SELF_CARE_INDICATORS.map((i, idx) => [i.key, idx >= notMet]));
      const flags: string[] = [];
      if (rand() < (level === 'none' ? 0.35 : 0.06)) flags.push('severe_disability');
      if (rand() < 0.04) flags.push('mental_illness');
      if (rand() < 0.01) flags.push('infectious_disease');
      if (rand() < 0.3) flags.push('lives_alone');
      const phone =
        rand() < 0.7
          ? `13${Math.floor(rand() * 10)}${String(Math.floor(rand() * 1e8)).padStart(8, '0')}`
          : null;
      const cardRoll = rand();
      const card =
        cardRoll < 0.85 ? 'self' : cardRoll < 0.95 ? 'custodian' : cardRoll < 0.98 ? 'none' : 'lost';
      const supportStart = `${2012 + Math.floor(rand() * 13)}-${String(1 + Math.floor(rand() * 12)).padStart(2, '0')}-01`;
      const address = `${v.town_name}${v.name}${pick(STREETS)}${1 + Math.floor(rand() * 120)}号`;
      const statusRoll = rand();
      const status = statusRoll < 0.02 ? 'paused' : statusRoll < 0.035 ? 'ended' : 'active';
      const statusSince = status === 'active' ? supportStart : addDays(today, -Math.floor(rand() * 60) - 5);
      rows.push({
        name: fakeName(rand),
        idNumberEnc: f.encrypt(idNumber),
        idNumberHash: f.hash(idNumber),
        idNumberMasked: maskIdNumber(idNumber),
        birthDate,
        sex,
        ethnicity: pick(ETHNICITIES),
        phoneEnc: phone ? f.encrypt(phone) : null,
        phoneHash: phone ? f.hash(phone) : null,
        phoneMasked: phone ? maskPhone(phone) : null,
        registeredAddress: address,
        currentAddress:
          rand() < 0.9 ? address : `${v.town_name}${pick(STREETS)}${1 + Math.floor(rand() * 80)}号`,
        townId: v.town_id,
        villageId: v.id,
        supportStart,
        selfCare: level,
        tier: tierOf(level),
        flags,
        benefitCard: card,
        cardCustodian: card === 'custodian' ? fakeName(rand) : null,
        cardCustodianReason: card === 'custodian' ? pick(['本人行动不便', '本人识字困难', '本人患病']) : null,
        visitorId: status === 'ended' ? null : visitors[k % visitors.length],
        status,
        statusSince,
        pausedUntil: status === 'paused' ? addDays(statusSince, 60) : null,
        statusReason: status === 'paused' ? pick(ILLNESS_REASONS) : null,
        endReason:
          status === 'ended' ? pick(['death', 'death', 'centralized_support', 'voluntary_exit']) : null,
        now,
      });
      meta.push({ level, supportStart, indicators });
    }
  }

  await ctx.db.tx(async (q) => {
    const ids = await repo.insertPersons(q, rows);
    await repo.insertAssessments(
      q,
      ids.map((id, i) => ({
        personId: id,
        assessedOn: meta[i].supportStart,
        indicators: meta[i].indicators,
        level: meta[i].level,
        assessorName: '镇民政专干',
      })),
      now,
    );
    const statusRows = ids.flatMap((id, i) => {
      const r = rows[i];
      const first = { personId: id, status: 'active', effectiveOn: meta[i].supportStart, reason: '建档' };
      if (r.status === 'active') return [first];
      return [
        first,
        {
          personId: id,
          status: r.status!,
          effectiveOn: r.statusSince!,
          reason: r.statusReason ?? r.endReason ?? null,
        },
      ];
    });
    await repo.insertStatusChanges(q, statusRows, null, now);
    const assigned = ids.flatMap((id, i) =>
      rows[i].visitorId ? [{ personId: id, visitorId: rows[i].visitorId! }] : [],
    );
    await repo.insertResponsibleAssignments(q, assigned, null, now);
    await q.query(
      sql(`update person_assignments set from_at = (p.support_start::timestamp at time zone 'Asia/Shanghai')
         from persons p where p.id = person_assignments.person_id and p.id = any($1::int[])`),
      [ids],
    );
    await repo.insertPersonEvents(
      q,
      ids.flatMap((id, i) => {
        const r = rows[i];
        const created = {
          personId: id,
          at: new Date(`${meta[i].supportStart}T09:00:00+08:00`),
          kind: 'person.created',
          title: `建档：${meta[i].level === 'capable' ? '具备生活自理能力（普遍探访）' : meta[i].level === 'partial' ? '部分丧失生活自理能力（重点探访）' : '完全丧失生活自理能力（重点探访）'}`,
        };
        if (r.status === 'active') return [created];
        return [
          created,
          {
            personId: id,
            at: new Date(`${r.statusSince}T10:00:00+08:00`),
            kind: `status.${r.status}`,
            title: r.status === 'paused' ? `暂停供养：${r.statusReason}` : '终止供养',
          },
        ];
      }),
    );
  });
  return rows.length;
}
