import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../../test/context.js';
import {
  actorClient,
  buildTown,
  buildUser,
  freshIdNumber,
  multipartFile,
} from '../../../../test/factories.js';
import { excelOrdered, withSlowTempFiles } from '../../../../test/xlsx-layouts.js';
import { sql } from '../../db/sql.js';
import { DATE_FORMAT, PAGE_NUMBER_FOOTER } from '../../lib/sheet-layout.js';

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});

type Cell = string | number | Date | null;

async function xlsx(rows: Cell[][], opts: { sheets?: number } = {}): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Sheet1');
  for (const r of rows) ws.addRow(r);
  for (let i = 1; i < (opts.sheets ?? 1); i++) wb.addWorksheet(`S${i}`).addRow(['说明']);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

async function readXlsx(buf: Buffer): Promise<string[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ArrayBuffer);
  const out: string[][] = [];
  wb.worksheets[0].eachRow((row) => {
    out.push((row.values as unknown[]).slice(1).map((v) => (v == null ? '' : String(v))));
  });
  return out;
}

const toFullWidth = (s: string) =>
  s.replace(/[0-9A-Za-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

async function setup() {
  const { town, villages } = await buildTown(env, 2);
  const officer = await actorClient(env, 'town_officer', town.id);
  const visitor = await buildUser(env, 'visitor', villages[0].id);
  const name = `探访员${Math.floor(Math.random() * 1e6)}`;
  await env.ctx.db.query(sql('update users set display_name = $2, phone_hash = $3 where id = $1'), [
    visitor.id,
    name,
    env.ctx.fields.hash('13912345678'),
  ]);
  return { town, villages, officer, visitor: { ...visitor, name } };
}

/** multipartFile with its own boundary: build once so payload and header agree. */
function injectUpload(token: string, buf: Buffer, dryRun: boolean, progressId?: string) {
  const m = multipartFile(buf);
  return env.app.inject({
    method: 'POST',
    url: `/api/persons/import?dryRun=${dryRun}${progressId ? `&progressId=${progressId}` : ''}`,
    payload: m.payload,
    headers: { ...m.headers, authorization: `Bearer ${token}` },
  });
}

/** Imports `buf` for real and reads back its rejected rows' download. */
async function readRejected(s: Awaited<ReturnType<typeof setup>>, buf: Buffer) {
  const result = (await injectUpload(s.officer.token, buf, false)).json();
  const dl = await s.officer.http.get(`/api/persons/import/bad-rows/${result.badRowsToken}`);
  return { result, file: await readXlsx(dl.rawPayload), raw: dl.rawPayload };
}

const countPersons = async (townId: number) =>
  (
    await env.ctx.db.query<{ n: number }>(sql('select count(*)::int as n from persons where town_id = $1'), [
      townId,
    ])
  )[0].n;

describe('roster import', () => {
  it('reads a messy roster: title row, header variants, full-width and spaced numbers, text and Excel dates, self-care spellings, visitor by name and phone', async () => {
    const s = await setup();
    const ids = Array.from({ length: 6 }, () => freshIdNumber('1942-03-04'));
    const withX = (() => {
      for (;;) {
        const v = freshIdNumber('1950-10-10', 'male');
        if (v.endsWith('X')) return v;
      }
    })();
    const good = freshIdNumber('1960-01-01');
    const wrongCheck = good.slice(0, 17) + (good[17] === '1' ? '2' : '1');
    const buf = await xlsx([
      [`${s.town.name}分散供养特困人员花名册`],
      [],
      [
        '序号',
        '姓名',
        '公民身份号码',
        '民族',
        '电话',
        '镇街',
        '村居',
        '户籍地址',
        '现住址',
        '自理能力',
        '纳入供养时间',
        '探访责任人',
        '探访责任人电话',
        '一卡通',
        '备注',
        '其他',
      ],
      [
        1,
        '张 三',
        ids[0],
        '汉族',
        '139 0000 1111',
        s.town.name,
        s.villages[0].name,
        '户籍1',
        '住址1',
        '自理',
        '2020-01-05',
        s.visitor.name,
        '13912345678',
        '本人持有',
        '',
        'x',
      ],
      [
        2,
        '李四',
        toFullWidth(ids[1]),
        '蒙古族',
        '',
        s.town.name.replace(/镇$/, ''),
        s.villages[1].name,
        '',
        '',
        '半失能',
        '2020/1/5',
        '',
        '',
        '代管（王五，本人行动不便）',
        '',
        '',
      ],
      [
        3,
        '王五',
        ` ${ids[2].slice(0, 9)} ${ids[2].slice(9)} `,
        '',
        '',
        s.town.name,
        s.villages[0].name,
        '',
        '',
        '失能',
        '2019年3月1日',
        '',
        '',
        '',
        '',
        '',
      ],
      [
        4,
        '赵六',
        withX.toLowerCase(),
        '',
        '',
        s.town.name,
        s.villages[0].name,
        '',
        '',
        '具备生活自理能力',
        new Date(Date.UTC(2018, 4, 20)),
        '',
        '',
        '',
        '',
        '',
      ],
      [
        5,
        '孙七',
        ids[3],
        '',
        '',
        s.town.name,
        s.villages[0].name,
        '',
        '',
        '部分丧失生活自理能力',
        43831,
        '',
        '',
        '',
        '',
        '',
      ],
      [],
      [6, '', '', '', '', '', '', '', '', '', '', '', '', '', '', ''],
      [
        7,
        '周八',
        wrongCheck,
        '',
        '',
        s.town.name,
        s.villages[0].name,
        '',
        '',
        '自理',
        '2020-01-01',
        '',
        '',
        '',
        '',
        '',
      ],
      [8, '吴九', ids[4], '', '', s.town.name, '不存在村', '', '', '自理', '2020-01-01', '', '', '', '', ''],
      [
        9,
        '郑十',
        ids[5],
        '',
        '',
        s.town.name,
        s.villages[0].name,
        '',
        '',
        '还行',
        '2020-01-01',
        '',
        '',
        '',
        '',
        '',
      ],
      [
        10,
        '钱一',
        Number('150602194203041234'), // an ID typed into a number cell: precision already lost
        '',
        '',
        s.town.name,
        s.villages[0].name,
        '',
        '',
        '自理',
        '2020-01-01',
        '',
        '',
        '',
        '',
        '',
      ],
      [
        11,
        '张三',
        ids[0],
        '',
        '',
        s.town.name,
        s.villages[0].name,
        '',
        '',
        '自理',
        '2020-01-01',
        '',
        '',
        '',
        '',
        '',
      ],
      [
        12,
        '',
        freshIdNumber(),
        '',
        '',
        s.town.name,
        s.villages[0].name,
        '',
        '',
        '自理',
        '2020-01-01',
        '',
        '',
        '',
        '',
        '',
      ],
      [
        13,
        '陈二',
        freshIdNumber(),
        '',
        '',
        s.town.name,
        s.villages[0].name,
        '',
        '',
        '自理',
        '2020-01-01',
        '查无此人',
        '',
        '',
        '',
        '',
      ],
      [
        14,
        '卫三',
        freshIdNumber(),
        '',
        '',
        s.town.name,
        s.villages[0].name,
        '',
        '',
        '自理',
        '',
        '',
        '',
        '',
        '',
        '',
      ],
    ]);
    const dry = await injectUpload(s.officer.token, buf, true);
    expect(dry.statusCode).toBe(200);
    const d = dry.json();
    expect(d).toMatchObject({ dryRun: true, total: 13, created: 5, updated: 0 });
    expect(await countPersons(s.town.id)).toBe(0);
    const byRow = Object.fromEntries(
      d.rejected.map((r: { row: number; column: string; message: string }) => [r.row, r]),
    );
    expect(Object.keys(byRow).map(Number)).toEqual([11, 12, 13, 14, 15, 16, 17, 18]);
    expect(byRow[11]).toMatchObject({ column: '身份证号码', message: expect.stringContaining('校验位') });
    expect(byRow[12]).toMatchObject({ column: '村（社区）', message: expect.stringContaining('不存在村') });
    expect(byRow[13]).toMatchObject({ column: '生活自理能力', message: expect.stringContaining('还行') });
    expect(byRow[14]).toMatchObject({ column: '身份证号码', message: expect.stringContaining('数字') });
    expect(byRow[15]).toMatchObject({ column: '身份证号码', message: '与第 4 行的身份证号码重复' });
    expect(byRow[16]).toMatchObject({ column: '姓名' });
    expect(byRow[17]).toMatchObject({ column: '探访责任人', message: expect.stringContaining('查无此人') });
    expect(byRow[18]).toMatchObject({ column: '供养开始日期' });

    const progressId = randomUUID();
    const real = (await injectUpload(s.officer.token, buf, false, progressId)).json();
    // Progress is kept in the database (any server process answers) and only for its owner.
    expect((await s.officer.http.get(`/api/persons/import/progress/${progressId}`)).json()).toEqual({
      rows: 13,
      done: true,
    });
    expect(real).toMatchObject({ dryRun: false, total: 13, created: 5, updated: 0 });
    expect(real.rejected).toHaveLength(8);
    const list = (await s.officer.http.get(`/api/persons?areaId=${s.town.id}`)).json().items;
    const byName = Object.fromEntries(list.map((p: { name: string }) => [p.name, p]));
    expect(byName.张三).toMatchObject({
      selfCare: 'capable',
      visitorId: s.visitor.id,
      phoneMasked: '139****1111',
    });
    expect(byName.李四).toMatchObject({ selfCare: 'partial', tier: 'key', villageId: s.villages[1].id });
    expect(byName.王五).toMatchObject({ selfCare: 'none' });
    expect(byName.赵六.idNumberMasked.endsWith('X')).toBe(true);
    const li = (await s.officer.http.get(`/api/persons/${byName.李四.id}`)).json();
    expect(li).toMatchObject({ supportStart: '2020-01-05', benefitCard: 'custodian', cardCustodian: '王五' });
    expect((await s.officer.http.get(`/api/persons/${byName.王五.id}`)).json().supportStart).toBe(
      '2019-03-01',
    );
    expect((await s.officer.http.get(`/api/persons/${byName.赵六.id}`)).json().supportStart).toBe(
      '2018-05-20',
    );
    expect((await s.officer.http.get(`/api/persons/${byName.孙七.id}`)).json().supportStart).toBe(
      '2020-01-01',
    );

    // The bad rows download: the rows as they were, plus the column and the reason.
    const dl = await s.officer.http.get(`/api/persons/import/bad-rows/${real.badRowsToken}`);
    expect(dl.statusCode).toBe(200);
    const bad = await readXlsx(dl.rawPayload);
    expect(bad[0][0]).toBe('原行号');
    expect(bad[0].slice(-2)).toEqual(['错误列', '原因']);
    expect(bad).toHaveLength(9);
    expect(bad[1][0]).toBe('11');
    expect(bad[1][2]).toBe('周八');
    expect(bad[1].at(-1)).toContain('校验位');
    // Another user cannot fetch it.
    const other = await actorClient(env, 'town_officer', s.town.id);
    expect((await other.http.get(`/api/persons/import/bad-rows/${real.badRowsToken}`)).statusCode).toBe(404);
    expect((await other.http.get(`/api/persons/import/progress/${progressId}`)).json()).toEqual({
      rows: 0,
      done: false,
    });

    // Importing the same file again updates instead of duplicating.
    const again = (await injectUpload(s.officer.token, buf, false)).json();
    expect(again).toMatchObject({ total: 13, created: 0, updated: 5 });
    expect(await countPersons(s.town.id)).toBe(5);
  });

  it('updates the self-care level and visitor of an existing file on re-import, with a timeline entry', async () => {
    const s = await setup();
    const id = freshIdNumber('1945-01-01');
    const header = [
      '姓名',
      '身份证号',
      '所属镇（街道）',
      '村（社区）',
      '生活自理能力',
      '供养开始日期',
      '探访责任人',
    ];
    const first = await xlsx([
      header,
      ['刘甲', id, s.town.name, s.villages[0].name, '自理', '2020-01-01', ''],
    ]);
    expect((await injectUpload(s.officer.token, first, false)).json().created).toBe(1);
    const second = await xlsx([
      header,
      ['刘甲', id, s.town.name, s.villages[0].name, '失能', '2020-01-01', s.visitor.name],
    ]);
    expect((await injectUpload(s.officer.token, second, false)).json()).toMatchObject({
      created: 0,
      updated: 1,
    });
    const [p] = (await s.officer.http.get(`/api/persons?areaId=${s.town.id}`)).json().items;
    expect(p).toMatchObject({ selfCare: 'none', tier: 'key', visitorId: s.visitor.id });
    const tl = (await s.officer.http.get(`/api/persons/${p.id}/timeline`)).json().items;
    expect(tl[0].title).toContain('花名册导入更新');
  });

  it('rejects a person already filed in another town instead of moving it', async () => {
    const a = await setup();
    const b = await setup();
    const id = freshIdNumber();
    const rows = (s: typeof a) => [
      ['姓名', '身份证号码', '所属镇（街道）', '村（社区）', '生活自理能力', '供养开始日期'],
      ['跨镇', id, s.town.name, s.villages[0].name, '自理', '2020-01-01'],
    ];
    expect((await injectUpload(a.officer.token, await xlsx(rows(a)), false)).json().created).toBe(1);
    const res = (await injectUpload(b.officer.token, await xlsx(rows(b)), false)).json();
    expect(res).toMatchObject({ created: 0, updated: 0 });
    expect(res.rejected[0].message).toContain('其他辖区');
  });

  it('answers bad files with a clear message and writes nothing', async () => {
    const s = await setup();
    const before = (await env.ctx.db.query<{ n: number }>(sql('select count(*)::int as n from persons')))[0]
      .n;
    const notXlsx = await injectUpload(s.officer.token, Buffer.from('姓名,身份证号码\n张三,1\n'), false);
    expect(notXlsx.statusCode).toBe(400);
    expect(notXlsx.json().message).toContain('.xlsx');
    const xls = await injectUpload(s.officer.token, Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 1, 2, 3]), false);
    expect(xls.json().message).toContain('另存为');
    // An OpenDocument spreadsheet (LibreOffice, WPS) is a zip too: named, with what to do.
    const ods = await injectUpload(
      s.officer.token,
      Buffer.concat([
        Buffer.from('PK\x03\x04\x14\x00\x00\x08\x00\x00', 'latin1'),
        Buffer.alloc(20),
        Buffer.from('mimetypeapplication/vnd.oasis.opendocument.spreadsheet', 'latin1'),
        Buffer.alloc(500, 1),
      ]),
      false,
    );
    expect(ods.statusCode).toBe(400);
    expect(ods.json().message).toMatch(/\.ods.*另存为.*\.xlsx/);
    const empty = await injectUpload(s.officer.token, await xlsx([]), false);
    expect(empty.statusCode).toBe(400);
    expect(empty.json().message).toContain('空');
    const noHeader = await injectUpload(
      s.officer.token,
      await xlsx([
        ['甲', '乙'],
        [1, 2],
        [3, 4],
      ]),
      false,
    );
    expect(noHeader.statusCode).toBe(400);
    expect(noHeader.json().message).toContain('表头');
    const missing = await injectUpload(
      s.officer.token,
      await xlsx([
        ['姓名', '身份证号码', '民族'],
        ['张三', freshIdNumber(), '汉'],
      ]),
      false,
    );
    expect(missing.statusCode).toBe(400);
    expect(missing.json().message).toContain('村（社区）');
    const corrupt = await injectUpload(
      s.officer.token,
      Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(2000, 7)]),
      false,
    );
    expect(corrupt.statusCode).toBe(400);
    const huge = Buffer.concat([await xlsx([['姓名']]), Buffer.alloc(50 * 1024 * 1024, 1)]);
    const big = await injectUpload(s.officer.token, huge, false);
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ field: 'file', message: expect.stringContaining('20 MB') });
    const noFile = await s.officer.http.post('/api/persons/import?dryRun=true', {});
    expect(noFile.statusCode).toBe(400);
    const after = (await env.ctx.db.query<{ n: number }>(sql('select count(*)::int as n from persons')))[0].n;
    expect(after).toBe(before);
    const visitor = await actorClient(env, 'visitor', s.villages[0].id);
    expect((await injectUpload(visitor.token, await xlsx([['姓名']]), true)).statusCode).toBe(403);
  });

  it('imports an Excel-ordered roster (shared strings and styles after the sheet) whole, also with a slow temporary disk', async () => {
    const s = await setup();
    const people = Array.from({ length: 8 }, (_, i) => ({
      name: `沙${'甲乙丙丁戊己庚辛'[i]}${Math.floor(Math.random() * 1e4)}`,
      idNumber: freshIdNumber(),
      village: s.villages[i % 2],
      address: `${s.villages[i % 2].name}第${i + 1}组`,
      start: `2020-0${i + 1}-15`,
    }));
    const header = [
      '序号',
      '姓名',
      '身份证号码',
      '所属镇（街道）',
      '村（社区）',
      '户籍地址',
      '生活自理能力',
      '供养开始日期',
    ];
    const buf = await excelOrdered(
      await xlsx([
        [`${s.town.name}分散供养特困人员花名册`],
        header,
        ...people.map((p, i) => [
          i + 1,
          p.name,
          p.idNumber,
          s.town.name,
          p.village.name,
          p.address,
          '自理',
          new Date(`${p.start}T00:00:00Z`), // a date cell: needs styles.xml, which Excel puts after the sheet
        ]),
      ]),
    );
    const res = await withSlowTempFiles(50, () => injectUpload(s.officer.token, buf, false));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ total: 8, created: 8, updated: 0, rejected: [] });
    const list = (await s.officer.http.get(`/api/persons?areaId=${s.town.id}`)).json().items;
    expect(list.map((p: { name: string }) => p.name).sort()).toEqual(people.map((p) => p.name).sort());
    for (const p of people) {
      const id = list.find((x: { name: string }) => x.name === p.name).id;
      const detail = (await s.officer.http.get(`/api/persons/${id}`)).json();
      expect(detail).toMatchObject({
        villageId: p.village.id,
        registeredAddress: p.address,
        supportStart: p.start,
      });
    }
  });

  it('never loses a row: created + updated + rejected = data rows (property)', async () => {
    const s = await setup();
    const header = [
      '序号',
      '姓名',
      '身份证号码',
      '村（社区）',
      '生活自理能力',
      '供养开始日期',
      '所属镇（街道）',
    ];
    const known: string[] = [];
    const rowArb = fc.oneof(
      fc.constant('valid'),
      fc.constant('known'),
      fc.constant('badId'),
      fc.constant('badVillage'),
      fc.constant('badLevel'),
      fc.constant('noName'),
      fc.constant('badDate'),
      fc.constant('blank'),
      fc.constant('dupInFile'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowArb, { minLength: 0, maxLength: 12 }),
        fc.boolean(),
        async (kinds, dryRun) => {
          const rows: Cell[][] = [header];
          let data = 0;
          let last: string | null = null;
          kinds.forEach((k, i) => {
            const id = k === 'known' && known.length ? known[i % known.length] : freshIdNumber();
            const r: Cell[] = [i + 1, `对象${i}`, id, s.villages[0].name, '自理', '2021-01-01', s.town.name];
            if (k === 'badId') r[2] = `${id.slice(0, 17)}${id[17] === '1' ? '2' : '1'}`;
            if (k === 'badVillage') r[3] = '没有这个村';
            if (k === 'badLevel') r[4] = '不知道';
            if (k === 'noName') r[1] = '';
            if (k === 'badDate') r[5] = '去年';
            if (k === 'dupInFile' && last) r[2] = last;
            if (k === 'blank') rows.push([i + 1, '', '', '', '', '', '']);
            else {
              rows.push(r);
              data++;
              if (k === 'valid') last = id;
            }
          });
          const answer = await injectUpload(s.officer.token, await xlsx(rows), dryRun);
          // An error for the whole file fails here with the server's message and the file's rows.
          expect(answer.statusCode, `${answer.body}\n${JSON.stringify(rows)}`).toBe(200);
          const res = answer.json();
          if (!dryRun) {
            for (const r of rows.slice(1)) if (typeof r[2] === 'string' && r[1]) known.push(r[2]);
          }
          expect(res.total).toBe(data);
          expect(res.created + res.updated + res.rejected.length).toBe(data);
          expect(new Set(res.rejected.map((r: { row: number }) => r.row)).size).toBe(res.rejected.length);
        },
      ),
      { numRuns: 12 },
    );
  });
});

describe('roster export and template', () => {
  it('exports full numbers for officers and masked ones for the supervisor; the officer export re-imports as updates', async () => {
    const s = await setup();
    const id = freshIdNumber('1938-08-08');
    const buf = await xlsx([
      ['姓名', '身份证号码', '联系电话', '所属镇（街道）', '村（社区）', '生活自理能力', '供养开始日期'],
      ['导出甲', id, '13700001234', s.town.name, s.villages[0].name, '半失能', '2020-02-02'],
    ]);
    expect((await injectUpload(s.officer.token, buf, false)).json().created).toBe(1);
    const ex = await s.officer.http.get(
      `/api/persons/export.xlsx?areaId=${s.town.id}&reason=${encodeURIComponent('核对花名册')}`,
    );
    expect(ex.statusCode).toBe(200);
    expect(ex.headers['content-type']).toContain('spreadsheetml');
    const rows = await readXlsx(ex.rawPayload);
    expect(rows[0].slice(0, 3)).toEqual(['序号', '姓名', '身份证号码']);
    expect(rows[1].slice(1, 3)).toEqual(['导出甲', id]);
    expect(rows[1]).toContain('13700001234');
    expect(rows[1]).toContain('部分丧失生活自理能力');
    expect(rows[1]).toContain('高龄（80岁以上）');
    const sup = await actorClient(env, 'bureau_supervisor', env.districtId);
    const masked = await readXlsx(
      (await sup.http.get(`/api/persons/export.xlsx?areaId=${s.town.id}`)).rawPayload,
    );
    expect(masked[1][2]).toBe(`${id.slice(0, 6)}********${id.slice(14)}`);
    expect(masked[1]).toContain('137****1234');
    const re = (await injectUpload(s.officer.token, ex.rawPayload, false)).json();
    expect(re).toMatchObject({ total: 1, created: 0, updated: 1, rejected: [] });
    const audit = await env.ctx.db.query(
      sql(`select detail from audit_log where action = 'person.export' and actor_id = $1`),
      [sup.id],
    );
    expect(audit[0].detail).toMatchObject({ rows: 1, fullNumbers: false });
  });

  it('takes no formula text as a name or address, and exports none that would run after a CSV round trip', async () => {
    const s = await setup();
    const rows = await readRejected(
      s,
      await xlsx([
        ['姓名', '身份证号码', '所属镇（街道）', '村（社区）', '生活自理能力', '供养开始日期', '备注'],
        [
          '=HYPERLINK("http://x","点我")',
          freshIdNumber(),
          s.town.name,
          s.villages[0].name,
          '自理',
          '2020-01-01',
          '',
        ],
        ['公式乙', freshIdNumber(), s.town.name, s.villages[0].name, '自理', '2020-01-01', '+1+2|cmd'],
        ['@SUM(A1)', freshIdNumber(), s.town.name, s.villages[0].name, '自理', '2020-01-01', ''],
        ['正常丙', freshIdNumber(), s.town.name, s.villages[0].name, '自理', '2020-01-01', '2+2 没问题'],
      ]),
    );
    expect(rows.result).toMatchObject({ total: 4, created: 1, rejectedCount: 3 });
    expect(rows.result.rejected.map((r: { column: string }) => r.column)).toEqual(['姓名', '备注', '姓名']);
    expect(rows.result.rejected[0].message).toContain('可能是公式');
    // The rejected rows come back for correcting: as they were, but inert once saved as CSV.
    expect(rows.file.slice(1).map((r) => r[1])).toEqual([
      `'=HYPERLINK("http://x","点我")`,
      '公式乙',
      "'@SUM(A1)",
    ]);
    // The rejected rows print like every export (lib/sheet-layout.ts): A4 landscape, header repeated.
    const bad = new ExcelJS.Workbook();
    await bad.xlsx.load(rows.raw as unknown as ArrayBuffer);
    expect(bad.worksheets[0].pageSetup).toMatchObject({
      paperSize: 9,
      orientation: 'landscape',
      fitToWidth: 1,
    });
    expect(bad.worksheets[0].pageSetup.printTitlesRow).toBe('1:1');
    // A note written through the API (not Excel) leaves the export neutralised.
    const [p] = await env.ctx.db.query<{ id: number }>(sql('select id from persons where name = $1'), [
      '正常丙',
    ]);
    await env.ctx.db.query(sql('update persons set note = $2 where id = $1'), [p.id, '=cmd|"/c calc"!A1']);
    const ex = await s.officer.http.get(`/api/persons/export.xlsx?areaId=${s.town.id}`);
    const out = await readXlsx(ex.rawPayload);
    expect(out[1]).toContain(`'=cmd|"/c calc"!A1`);
  });

  it('exports a roster that prints (A4 landscape, one page wide, header repeated) with real date cells', async () => {
    const s = await setup();
    const buf = await xlsx([
      ['姓名', '身份证号码', '所属镇（街道）', '村（社区）', '生活自理能力', '供养开始日期'],
      ['打印甲', freshIdNumber(), s.town.name, s.villages[0].name, '自理', '2020-03-04'],
    ]);
    expect((await injectUpload(s.officer.token, buf, false)).json().created).toBe(1);
    const ex = await s.officer.http.get(`/api/persons/export.xlsx?areaId=${s.town.id}`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(ex.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    expect(ws.pageSetup).toMatchObject({
      paperSize: 9,
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      printTitlesRow: '1:1',
    });
    expect(ws.headerFooter.oddFooter).toBe(PAGE_NUMBER_FOOTER);
    expect(ws.views[0]).toMatchObject({ state: 'frozen', xSplit: 2, ySplit: 1 });
    const col = (ws.getRow(1).values as unknown[]).indexOf('供养开始日期');
    expect(ws.getRow(2).getCell(col).value).toEqual(new Date('2020-03-04T00:00:00Z'));
    expect(ws.getRow(2).getCell(col).numFmt).toBe(DATE_FORMAT);
  });

  it('serves a template whose header the import recognises under its title row', async () => {
    const s = await setup();
    const t = await s.officer.http.get('/api/persons/import/template.xlsx');
    expect(t.statusCode).toBe(200);
    const rows = await readXlsx(t.rawPayload);
    expect(rows[1]).toContain('身份证号码');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(t.rawPayload as unknown as ArrayBuffer);
    wb.worksheets[0].addRow([
      1,
      '模板甲',
      freshIdNumber(),
      '',
      '',
      s.town.name,
      s.villages[0].name,
      '',
      '',
      '自理',
      '2022-02-02',
    ]);
    const filled = Buffer.from(await wb.xlsx.writeBuffer());
    expect((await injectUpload(s.officer.token, filled, true)).json()).toMatchObject({
      total: 1,
      created: 1,
    });
  });
});
