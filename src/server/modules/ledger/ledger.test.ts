import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../../test/context.js';
import { actorClient, buildPerson, buildTown, buildUser } from '../../../../test/factories.js';
import { insertVisitRow } from '../../../../test/oversight-fixtures.js';
import { CHECKLIST_V1, checklistColumns, fineAnswers } from '../../../shared/checklist.js';
import { type Clock, createClock } from '../../clock.js';
import { sql } from '../../db/sql.js';
import { type Actor, SYSTEM_SCOPE } from '../../http/scope.js';
import { DATE_FORMAT, DATETIME_FORMAT } from '../../lib/sheet-layout.js';
import StreamingExcelJS from '../../lib/xlsx.js';

let env: TestEnv;
let savedClock: Clock;
beforeAll(async () => {
  env = await testEnv();
  savedClock = env.ctx.clock;
  env.ctx.clock = createClock('2026-03-29T10:00:00+08:00');
});
// The context is shared by every test file of the run: put the real clock back.
afterAll(() => {
  env.ctx.clock = savedClock;
});

async function readWorkbook(body: Buffer) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(body as any);
  const ws = wb.worksheets[0];
  const rows: string[][] = [];
  ws.eachRow((row) => rows.push((row.values as any[]).slice(1).map(shown)));
  return { name: ws.name, rows, ws };
}

/**
 * A cell as the clerk sees it: dates are real date cells (issue 26) holding China wall-clock time,
 * shown here as 2026-03-05 10:00 (date-time) or 2026-03-05 (a calendar day).
 */
function shown(v: unknown): string {
  if (v == null) return '';
  if (v instanceof Date) {
    const iso = v.toISOString();
    return v.getUTCHours() || v.getUTCMinutes() ? iso.slice(0, 16).replace('T', ' ') : iso.slice(0, 10);
  }
  return String(v);
}

describe('visit ledger', () => {
  it('has one row per visit of the period with the checklist columns, ID numbers masked', async () => {
    const { town, villages } = await buildTown(env, 1);
    const v = villages[0];
    const visitor = await buildUser(env, 'visitor', v.id);
    const p1 = await buildPerson(env, {
      townId: town.id,
      villageId: v.id,
      visitorId: visitor.id,
      name: '王大爷',
    });
    const p2 = await buildPerson(env, {
      townId: town.id,
      villageId: v.id,
      visitorId: visitor.id,
      name: '李奶奶',
    });
    const answers = fineAnswers(CHECKLIST_V1, { heating: true, flood: false }) as any;
    answers.D.house = { value: 'hazard', note: '西墙裂缝' };
    const base = { townId: town.id, villageId: v.id, visitorId: visitor.id };
    await insertVisitRow(env.ctx.db, {
      ...base,
      personId: p1.id,
      at: new Date('2026-03-05T10:00:00+08:00'),
      method: 'in_person',
      outcome: 'reached',
      answers,
    });
    await insertVisitRow(env.ctx.db, {
      ...base,
      personId: p2.id,
      at: new Date('2026-03-06T10:00:00+08:00'),
      method: 'phone',
      outcome: 'no_answer',
    });
    // February (China time) and another town: not in this ledger.
    await insertVisitRow(env.ctx.db, {
      ...base,
      personId: p2.id,
      at: new Date('2026-02-28T23:59:00+08:00'),
      method: 'phone',
      outcome: 'reached',
    });

    const officer = await actorClient(env, 'town_officer', town.id);
    const res = await officer.http.get(`/api/ledger/visits.xlsx?period=2026-03&areaId=${town.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    expect(decodeURIComponent(String(res.headers['content-disposition']))).toContain('探访记录台账');
    const { name, rows, ws } = await readWorkbook(res.rawPayload);
    expect(name).toBe('探访记录台账');
    const head = rows[1];
    expect(head.slice(0, 6)).toEqual([
      '序号',
      '探访时间',
      '镇（街道）',
      '村（社区）',
      '探访对象',
      '身份证号码',
    ]);
    for (const c of checklistColumns(CHECKLIST_V1)) expect(head).toContain(c.header);
    const data = rows.slice(2);
    expect(data).toHaveLength(2);
    expect(data[0][4]).toBe('王大爷');
    expect(data[0][1]).toBe('2026-03-05 10:00');
    // A date cell (filters and sorting work in Excel), shown the Chinese way.
    expect(ws.getCell('B3').value).toBeInstanceOf(Date);
    expect(ws.getCell('B3').numFmt).toBe(DATETIME_FORMAT);
    // Masked by default, for a role that may see full numbers too: those go out only with a purpose.
    expect(data[0][5]).not.toBe(p1.idNumber);
    expect(data[0][5]).toBe(`${p1.idNumber.slice(0, 6)}********${p1.idNumber.slice(14)}`);
    expect(data[0]).toContain('有隐患（西墙裂缝）');
    expect(data[1][8]).toBe('无人接听');
    expect(data[1][9]).toBe('否');

    const supervisor = await actorClient(env, 'bureau_supervisor', env.districtId);
    const masked = await readWorkbook(
      (await supervisor.http.get(`/api/ledger/visits.xlsx?period=2026-03&areaId=${town.id}`)).rawPayload,
    );
    expect(masked.rows[2][5]).not.toBe(p1.idNumber);
    expect(masked.rows[2][5]).toMatch(/\*/);

    const other = await buildTown(env, 1);
    const stranger = await actorClient(env, 'town_officer', other.town.id);
    expect((await stranger.http.get(`/api/ledger/visits.xlsx?areaId=${town.id}`)).statusCode).toBe(404);
    const visitorClient = await actorClient(env, 'visitor', v.id);
    expect((await visitorClient.http.get('/api/ledger/visits.xlsx')).statusCode).toBe(403);
    expect((await officer.http.get('/api/ledger/visits.xlsx?period=2026-3')).statusCode).toBe(400);
  });
});

/** `unzip -t` on the file, where unzip is installed (the zip itself is tested in lib/xlsx-writer.test.ts). */
function unzipTest(body: Buffer): string | null {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'ledger-'));
  try {
    writeFileSync(join(dir, 'l.xlsx'), body);
    return execFileSync('unzip', ['-t', join(dir, 'l.xlsx')], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('visit ledger workbook', () => {
  it('has the widths, frozen panes and title and header styles, escapes notes, reads back streamed, is audited', async () => {
    const { town, villages } = await buildTown(env, 1);
    const v = villages[0];
    const visitor = await buildUser(env, 'visitor', v.id);
    const p = await buildPerson(env, {
      townId: town.id,
      villageId: v.id,
      visitorId: visitor.id,
      name: '张大娘',
    });
    const base = { townId: town.id, villageId: v.id, visitorId: visitor.id, personId: p.id };
    const notes = ['屋顶<漏雨> & 需修缮\x01', ' 前后有空格 ', null];
    for (const [i, note] of notes.entries()) {
      const id = await insertVisitRow(env.ctx.db, {
        ...base,
        at: new Date(`2026-03-0${i + 2}T09:00:00+08:00`),
        method: 'in_person',
        outcome: 'reached',
      });
      await env.ctx.db.query(sql('update visits set notes = $1, duration_minutes = $2 where id = $3'), [
        note,
        30 + i,
        id,
      ]);
    }
    const officer = await actorClient(env, 'town_officer', town.id);
    const res = await officer.http.get(`/api/ledger/visits.xlsx?period=2026-03&areaId=${town.id}`);
    expect(res.statusCode).toBe(200);
    const body = res.rawPayload;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(body as any);
    expect(wb.worksheets).toHaveLength(1);
    const ws = wb.worksheets[0];
    // Fixed head, the checklist, photos/signature/notes, then the authenticity signals and review.
    const ncol = 12 + checklistColumns(CHECKLIST_V1).length + 3;
    expect(ws.getCell(2, ncol + 1).value).toBe('真实性疑点');
    expect(ws.getCell(2, ncol + 2).value).toBe('核查结果');
    expect(ws.getRow(2).cellCount).toBe(ncol + 2);
    expect(ws.views[0]).toMatchObject({ state: 'frozen', xSplit: 5, ySplit: 2, topLeftCell: 'F3' });
    expect([1, 2, 6, 13, ncol - 1, ncol].map((c) => ws.getColumn(c).width)).toEqual([7, 20, 20, 16, 6, 24]);
    expect(ws.getCell('A1').value).toBe(`${town.name} 探访记录台账（2026年3月）`);
    expect(ws.getCell('A1').font).toMatchObject({ bold: true, size: 13 });
    expect(ws.getCell(2, ncol).value).toBe('备注');
    expect(ws.getCell(2, ncol).font).toMatchObject({ bold: true });
    expect(ws.getCell(2, ncol).alignment).toMatchObject({ wrapText: true, vertical: 'middle' });
    expect(ws.getCell('A3').font?.bold).toBeFalsy();
    // Numbers stay numbers; notes escaped, control characters dropped, spaces kept; no note, no cell.
    expect([ws.getCell('A3').value, ws.getCell('K3').value, ws.getCell('K5').value]).toEqual([1, 30, 32]);
    expect([3, 4, 5].map((r) => ws.getCell(r, ncol).value)).toEqual([
      '屋顶<漏雨> & 需修缮',
      ' 前后有空格 ',
      null,
    ]);
    expect(ws.rowCount).toBe(5);

    const reader = new StreamingExcelJS.stream.xlsx.WorkbookReader(Readable.from([body]), {
      worksheets: 'emit',
    } as any);
    const streamed: unknown[][] = [];
    for await (const sheet of reader)
      for await (const row of sheet as any) streamed.push(row.values.slice(1));
    expect(streamed.map((r) => r[4])).toEqual([undefined, '探访对象', '张大娘', '张大娘', '张大娘']);
    const unzip = unzipTest(body);
    if (unzip !== null) expect(unzip).toContain('No errors detected');

    const [audit] = await env.ctx.db.query<{ detail: any }>(
      sql(
        `select detail from audit_log where action = 'ledger.visits' and area_id = $1 order by id desc limit 1`,
      ),
      [town.id],
    );
    expect(audit.detail).toMatchObject({ period: '2026-03', fullNumbers: false });
  });
});

describe('ledgers and the export guard', () => {
  it('give full ID numbers only for a stated purpose, audited before the first byte, watermarked on every page, in the properties and on a notice sheet', async () => {
    const { town, villages } = await buildTown(env, 1);
    const v = villages[0];
    const visitor = await buildUser(env, 'visitor', v.id);
    const p = await buildPerson(env, { townId: town.id, villageId: v.id, visitorId: visitor.id });
    await insertVisitRow(env.ctx.db, {
      townId: town.id,
      villageId: v.id,
      visitorId: visitor.id,
      personId: p.id,
      at: new Date('2026-03-05T10:00:00+08:00'),
      method: 'in_person',
      outcome: 'reached',
    });
    await env.ctx.db.query(
      sql(`insert into concerns (person_id, town_id, village_id, category, description, source, owner, handling, status, created_at, created_by, updated_at)
       values ($1, $2, $3, 'living', '缺少冬衣', 'manual', 'town', 'immediate', 'open', '2026-03-06T10:00:00+08:00', $4, now())`),
      [p.id, town.id, v.id, visitor.id],
    );
    const officer = await actorClient(env, 'town_officer', town.id);
    const reason = '核对三月探访台账';
    for (const kind of ['visits', 'concerns'] as const) {
      const url = `/api/ledger/${kind}.xlsx?period=2026-03&areaId=${town.id}`;
      const res = await officer.http.get(`${url}&reason=${encodeURIComponent(reason)}`);
      expect(res.statusCode, res.body).toBe(200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(res.rawPayload as any);
      const [data, notice] = wb.worksheets;
      expect(data.getRow(3).getCell(6).value).toBe(p.idNumber);
      expect(data.headerFooter.oddHeader).toContain(reason);
      expect(data.headerFooter.oddFooter).toContain('第 &P 页');
      expect(wb.description).toContain(reason);
      expect(notice.name).toBe('导出说明');
      const exportId = String(notice.getCell('B4').value);
      expect(wb.keywords).toBe(`export:${exportId}`);
      const audit = await env.ctx.db.query<{ action: string; entity_id: string; detail: any }>(
        sql(`select action, entity_id, detail from audit_log where entity_id = $1 order by id`),
        [exportId],
      );
      expect(audit.map((a) => a.action)).toEqual(['export.full_numbers', `ledger.${kind}`]);
      expect(audit[0].detail).toMatchObject({ what: `ledger.${kind}`, reason });
      expect(audit[1].detail).toEqual({ period: '2026-03', fullNumbers: true });
    }

    // The audit rows are written before a byte is: a download cut short is on record.
    const { openLedger } = await import('./service.js');
    const before = await env.ctx.db.query(sql('select max(id) as id from audit_log'));
    const admin = await buildUser(env, 'bureau_admin', env.districtId);
    const actor: Actor = {
      userId: admin.id,
      username: admin.username,
      displayName: admin.username,
      roles: ['bureau_admin'],
      grants: [],
      sessionId: 'test',
      viaCookie: false,
      csrfToken: '',
      scope: { userId: admin.id, all: true, areaIds: [], visitor: false, departments: [] },
    };
    const l = await openLedger(env.ctx, actor, 'visits', { period: '2026-03', areaId: town.id, reason });
    const rows = await env.ctx.db.query<{ action: string }>(
      sql('select action from audit_log where id > $1 order by id'),
      [before[0].id],
    );
    expect(rows.map((r) => r.action)).toEqual(['export.full_numbers', 'ledger.visits']);
    expect(l.watermark?.exportId).toBe(l.exportId);

    // A purpose too short; a role that may not see full numbers; a foreign area: refused, nothing sent.
    const url = `/api/ledger/visits.xlsx?period=2026-03&areaId=${town.id}`;
    const short = await officer.http.get(`${url}&reason=${encodeURIComponent('核对')}`);
    expect(short.statusCode).toBe(400);
    expect(short.json().field).toMatch(/reason$/);
    const supervisor = await actorClient(env, 'bureau_supervisor', env.districtId);
    expect((await supervisor.http.get(`${url}&reason=${encodeURIComponent(reason)}`)).statusCode).toBe(403);
    const stranger = await actorClient(env, 'town_officer', (await buildTown(env, 1)).town.id);
    expect((await stranger.http.get(`${url}&reason=${encodeURIComponent(reason)}`)).statusCode).toBe(404);
  });
});

describe('visit ledger batches', () => {
  it('pages by (time, id) without losing or repeating a visit, also when visits share a time', async () => {
    const { visitBatch } = await import('./repo.js');
    const { town, villages } = await buildTown(env, 1);
    const v = villages[0];
    const visitor = await buildUser(env, 'visitor', v.id);
    const person = await buildPerson(env, { townId: town.id, villageId: v.id, visitorId: visitor.id });
    const base = { townId: town.id, villageId: v.id, visitorId: visitor.id, personId: person.id };
    const times = [
      '03-02T09:00',
      '03-02T09:00',
      '03-02T09:00',
      '03-03T10:00',
      '03-04T08:00',
      '03-04T08:00',
      '03-09T16:30',
    ];
    for (const t of times)
      await insertVisitRow(env.ctx.db, {
        ...base,
        at: new Date(`2026-${t}:00+08:00`),
        method: 'phone',
        outcome: 'reached',
      });
    const slice = {
      area: { id: town.id, level: 'town' as const },
      scope: SYSTEM_SCOPE,
      from: new Date('2026-03-01T00:00:00+08:00'),
      to: new Date('2026-04-01T00:00:00+08:00'),
    };
    const all = (await visitBatch(env.ctx.db, slice, null, 100)).map((r) => Number(r.id));
    expect(all).toHaveLength(times.length);
    for (const size of [1, 2, 3]) {
      const paged: number[] = [];
      let after: { at: Date; id: number } | null = null;
      for (;;) {
        const rows = await visitBatch(env.ctx.db, slice, after, size);
        paged.push(...rows.map((r) => Number(r.id)));
        if (rows.length < size) break;
        after = { at: rows[rows.length - 1].at, id: Number(rows[rows.length - 1].id) };
      }
      expect(paged).toEqual(all);
    }
  });
});

describe('problem ledger', () => {
  it('lists the concerns of the period with deadline, state and overdue flag', async () => {
    const { insertConcernRow } = await import('../../../../test/oversight-fixtures.js');
    const { town, villages } = await buildTown(env, 1);
    const v = villages[0];
    const p = await buildPerson(env, { townId: town.id, villageId: v.id, name: '赵大娘' });
    const area = { townId: town.id, villageId: v.id, personId: p.id };
    await insertConcernRow(env.ctx.db, {
      ...area,
      handling: 'time_limited',
      deadline: '2026-03-20',
      status: 'open',
      createdAt: new Date('2026-03-05T09:00:00+08:00'),
      description: '院墙倒塌需修缮',
    });
    await insertConcernRow(env.ctx.db, {
      ...area,
      handling: 'immediate',
      status: 'resolved',
      resolvedAt: new Date('2026-03-06T10:00:00+08:00'),
      createdAt: new Date('2026-03-06T09:00:00+08:00'),
      description: '代购药品',
    });
    // Raised and fixed in January: not in the March ledger.
    await insertConcernRow(env.ctx.db, {
      ...area,
      handling: 'immediate',
      status: 'verified',
      resolvedAt: new Date('2026-01-06T10:00:00+08:00'),
      createdAt: new Date('2026-01-06T09:00:00+08:00'),
      description: '一月旧事',
    });
    const officer = await actorClient(env, 'town_officer', town.id);
    const res = await officer.http.get(`/api/ledger/concerns.xlsx?period=2026-03&areaId=${town.id}`);
    expect(res.statusCode).toBe(200);
    const { name, rows, ws: sheet } = await readWorkbook(res.rawPayload);
    expect(name).toBe('问题整改台账');
    expect(rows[1].slice(0, 8)).toEqual([
      '序号',
      '登记时间',
      '镇（街道）',
      '村（社区）',
      '对象姓名',
      '身份证号码',
      '诉求类别',
      '问题描述',
    ]);
    const data = rows.slice(2);
    expect(data.map((r) => r[7])).toEqual(['院墙倒塌需修缮', '代购药品']);
    expect(data[0][11]).toBe('2026-03-20');
    expect(sheet.getCell('L3').value).toEqual(new Date('2026-03-20T00:00:00Z'));
    expect(sheet.getCell('L3').numFmt).toBe(DATE_FORMAT);
    expect(data[0][12]).toBe('待处理');
    expect(data[0][13]).toBe('是');
    expect(data[1][10]).toBe('立行立改');
    expect(data[1][13]).toBe('否');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as any);
    const ws = wb.worksheets[0];
    expect(ws.views[0]).toMatchObject({ state: 'frozen', xSplit: 5, ySplit: 2 });
    expect([1, 8, 19].map((c) => ws.getColumn(c).width)).toEqual([7, 30, 24]);
    expect(ws.getCell('A1').font).toMatchObject({ bold: true, size: 13 });
    expect(ws.getCell('H2').font).toMatchObject({ bold: true });
  });
});
