import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import ExcelJS from 'exceljs';
import type { Db } from '../src/server/db/db.js';
import { sql } from '../src/server/db/sql.js';
import { hashPassword } from '../src/server/modules/auth/password.js';
import { fakeIdNumber } from '../src/server/seed/fake.js';
import { CHECKLIST_V1, fineAnswers } from '../src/shared/checklist.js';
import { chinaDate } from '../src/shared/china-time.js';
import { ROSTER_COLUMNS } from '../src/shared/roster.js';
import { seasonFlags } from '../src/shared/schedule.js';
import { BENCH_PASSWORD } from './generate.js';

const SURNAMES = '王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢';
const GIVEN = '秀英桂兰玉凤建华志强海军永明春梅金花淑珍国庆丽娟文宝山巴特尔其格乌云娜仁图苏和';
const SELF_CARE = ['具备生活自理能力', '部分丧失生活自理能力', '完全丧失生活自理能力'];

/**
 * A roster .xlsx (the towns' 花名册 layout: title row, header, one person per row) of `rows` new
 * persons in the villages of one town, written with the streaming writer so its size does not matter.
 * ID numbers are unique and valid, and differ from the generated persons' (region 15xxxx ≠ 150602).
 */
export async function rosterFile(db: Db, path: string, rows: number, townId: number) {
  const [town] = await db.query<{ name: string }>(sql('select name from areas where id = $1'), [townId]);
  const villages = await db.query<{ name: string }>(
    sql(`select name from areas where parent_id = $1 and retired_at is null order by id`),
    [townId],
  );
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: false });
  const ws = wb.addWorksheet('花名册');
  ws.addRow(['分散供养特困人员花名册']).commit();
  ws.addRow(ROSTER_COLUMNS.map((c) => c.label)).commit();
  for (let i = 0; i < rows; i++) {
    const seq = i % 1000;
    const sex = seq % 2 === 1 ? 'male' : 'female';
    const day = new Date(Date.UTC(1935, 0, 1) + (i % 9000) * 86400000).toISOString().slice(0, 10);
    const region = `15${String(1000 + (Math.floor(i / 1000) % 8999)).padStart(4, '0')}`;
    const id = fakeIdNumber(day, sex, seq, region);
    const name =
      SURNAMES[i % SURNAMES.length] + GIVEN[(i * 7) % GIVEN.length] + GIVEN[(i * 13) % GIVEN.length];
    const cells: Record<string, unknown> = {
      serial: i + 1,
      name,
      idNumber: id,
      ethnicity: i % 5 === 0 ? '蒙古族' : '汉族',
      phone: `13${String(100000000 + i).slice(-9)}`,
      town: town.name,
      village: villages[i % villages.length].name,
      registeredAddress: `${town.name}${villages[i % villages.length].name}${(i % 300) + 1}号`,
      currentAddress: '',
      selfCare: SELF_CARE[i % 10 === 0 ? 2 : i % 4 === 0 ? 1 : 0],
      supportStart: `20${String(10 + (i % 15)).padStart(2, '0')}-0${(i % 9) + 1}-15`,
      visitor: '',
      visitorPhone: '',
      benefitCard: '本人持有',
      note: '',
    };
    ws.addRow(ROSTER_COLUMNS.map((c) => cells[c.key] ?? '')).commit();
  }
  ws.commit();
  await wb.commit();
}

export interface Actors {
  admin: string;
  townOfficer: string;
  visitor: string;
  visitorId: number;
  townId: number;
  personId: number;
  visitorPersonIds: number[];
}

/** Gives chosen generated users a known password and picks a typical visitor, town and person. */
export async function pickActors(db: Db): Promise<Actors> {
  const hash = await hashPassword(BENCH_PASSWORD);
  const one = async <T>(text: string, params: unknown[] = []) => (await db.query<T>(sql(text), params))[0];
  // The town with the most persons, a visitor of median load in it among those with open tasks (a
  // visitor who has finished the month has an empty "my open tasks" list: that measured nothing but
  // the round trips), and one of that visitor's persons.
  const town = await one<{ town_id: number }>(
    `select town_id from persons group by town_id order by count(*) desc limit 1`,
  );
  const visitor = await one<{ visitor_id: number }>(
    `with v as (select visitor_id, count(*) n from persons where town_id = $1 and visitor_id is not null
                 group by visitor_id),
          o as (select v.* from v where exists (select 1 from visit_tasks t
                 where t.visitor_id = v.visitor_id and t.status = 'open'))
     select visitor_id from o order by n, visitor_id limit 1 offset (select count(*) / 2 from o)`,
    [town.town_id],
  );
  const persons = await db.query<{ id: number }>(
    sql(`select id from persons where visitor_id = $1 and status = 'active' order by id`),
    [visitor.visitor_id],
  );
  const grant = async (role: string, areaId: number) => {
    const [u] = await db.query<{ id: number; username: string }>(
      sql(`select u.id, u.username from users u join user_roles r on r.user_id = u.id
        where r.role = $1 and r.area_id = $2 and u.disabled_at is null order by u.id limit 1`),
      [role, areaId],
    );
    if (u) return u;
    const [nu] = await db.query<{ id: number; username: string }>(
      sql(
        `insert into users (username, display_name, password_hash) values ($1, $2, $3) returning id, username`,
      ),
      [`bench-${role}-${areaId}`, `压测${role}`, hash],
    );
    await db.query(sql('insert into user_roles (user_id, role, area_id) values ($1, $2, $3)'), [
      nu.id,
      role,
      areaId,
    ]);
    return nu;
  };
  const [district] = await db.query<{ id: number }>(
    sql(`select id from areas where level = 'district' order by id limit 1`),
  );
  const admin = await grant('bureau_admin', district.id);
  const officer = await grant('town_officer', town.town_id);
  const v = await one<{ username: string }>('select username from users where id = $1', [visitor.visitor_id]);
  await db.query(
    sql('update users set password_hash = $1, failed_logins = 0, locked_until = null where id = any($2)'),
    [hash, [admin.id, officer.id, visitor.visitor_id]],
  );
  return {
    admin: admin.username,
    townOfficer: officer.username,
    visitor: v.username,
    visitorId: visitor.visitor_id,
    townId: town.town_id,
    personId: persons[Math.floor(persons.length / 2)]?.id ?? persons[0]?.id,
    visitorPersonIds: persons.map((p) => p.id),
  };
}

/**
 * The visit bench/run.ts's throughput part submits (and bench/submit-ab.ts, to compare with it): in
 * person, reached, 30 minutes, every checklist item answered fine for the season of `at`. Returns a
 * maker of request bodies, a new client id each.
 */
export function benchVisitBody(at: Date): (personId: number) => string {
  const answers = fineAnswers(CHECKLIST_V1, seasonFlags(chinaDate(at)));
  return (personId) =>
    JSON.stringify({
      clientId: randomUUID(),
      personId,
      at: at.toISOString(),
      method: 'in_person',
      outcome: 'reached',
      durationMinutes: 30,
      answers,
    });
}

/**
 * bench/run.ts's visit load against a server: `benchVisitBody` for the visitor's persons in turn,
 * bearer `token`, 8 connections unless told, for `duration` seconds or `amount` requests.
 */
export function visitLoad(o: {
  url: string;
  token: string;
  personIds: readonly number[];
  at: Date;
  connections?: number;
  duration?: number;
  amount?: number;
}) {
  const body = benchVisitBody(o.at);
  let i = 0;
  return autocannon({
    url: `${o.url}/api/visits`,
    connections: o.connections ?? 8,
    ...(o.amount ? { amount: o.amount } : { duration: o.duration }),
    requests: [
      {
        method: 'POST',
        headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' },
        setupRequest: (req: any) => {
          req.body = body(o.personIds[i++ % o.personIds.length]);
          return req;
        },
      },
    ],
  });
}
