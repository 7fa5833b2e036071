import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../../test/context.js';
import { actorClient, buildPerson, buildTown } from '../../../../test/factories.js';
import { PAGE_NUMBER_FOOTER } from '../../lib/sheet-layout.js';

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});

async function open(buf: Buffer) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ArrayBuffer);
  return wb;
}

describe('exports of full numbers', () => {
  it('are masked unless a reason is stated; with one they are logged first and watermarked', async () => {
    const { town, villages } = await buildTown(env, 1);
    const person = await buildPerson(env, { townId: town.id, villageId: villages[0].id });
    const officer = await actorClient(env, 'town_officer', town.id);
    const url = `/api/persons/export.xlsx?areaId=${town.id}`;

    const plain = await open((await officer.http.get(url)).rawPayload);
    const idCell = String(plain.worksheets[0].getRow(2).getCell(3).value);
    expect(idCell).not.toBe(person.idNumber);
    expect(idCell).toContain('********');
    expect(plain.worksheets.map((w) => w.name)).toEqual(['花名册']);

    const short = await officer.http.get(`${url}&reason=${encodeURIComponent('看')}`);
    expect(short.statusCode).toBe(400);
    expect(short.json()).toMatchObject({ field: 'reason' });

    const reason = '核对一卡通发放名单';
    const res = await officer.http.get(`${url}&reason=${encodeURIComponent(reason)}`);
    expect(res.statusCode).toBe(200);
    const wb = await open(res.rawPayload);
    const sheet = wb.worksheets[0];
    expect(String(sheet.getRow(2).getCell(3).value)).toBe(person.idNumber);
    // The watermark: on every printed page, and on a sheet of its own, naming user, time and reason.
    expect(sheet.headerFooter.oddHeader).toContain(officer.username);
    expect(sheet.headerFooter.oddHeader).toContain(reason);
    // The footer keeps the page numbers alone (the watermark printed over them there, issue 26).
    expect(sheet.headerFooter.oddFooter).toBe(PAGE_NUMBER_FOOTER);
    const notice = wb.getWorksheet('导出说明')!;
    const text = notice.getSheetValues().flat().join(' ');
    expect(text).toContain(officer.username);
    expect(text).toContain(reason);
    expect(text).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);

    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    const log = (await admin.http.get(`/api/audit?actorId=${officer.id}&action=export.full_numbers`)).json()
      .items;
    expect(log).toHaveLength(1);
    expect(log[0].detail).toMatchObject({ what: 'persons.roster', reason });
    expect(text).toContain(log[0].entityId);
  });

  it('gives masked numbers to a role that may not see full ones, reason or not', async () => {
    const { town, villages } = await buildTown(env, 1);
    const person = await buildPerson(env, { townId: town.id, villageId: villages[0].id });
    const sup = await actorClient(env, 'bureau_supervisor', env.districtId);
    const res = await sup.http.get(
      `/api/persons/export.xlsx?areaId=${town.id}&reason=${encodeURIComponent('督导抽查名单')}`,
    );
    expect(res.statusCode).toBe(200);
    const wb = await open(res.rawPayload);
    expect(String(wb.worksheets[0].getRow(2).getCell(3).value)).not.toBe(person.idNumber);
    expect(wb.worksheets).toHaveLength(1);
  });
});
