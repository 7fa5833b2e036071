import ExcelJS from 'exceljs';
import type { Db } from '../src/server/db/db.js';
import { sql } from '../src/server/db/sql.js';
import { fakeIdNumber } from '../src/server/seed/fake.js';
import { ROSTER_COLUMNS } from '../src/shared/roster.js';

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
