import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../../test/context.js';
import { actorClient, buildPerson, buildTown, buildUser } from '../../../../test/factories.js';
import { insertTaskRow, insertVisitRow } from '../../../../test/oversight-fixtures.js';
import { CHECKLIST_V1, fineAnswers } from '../../../shared/checklist.js';
import { type Clock, createClock } from '../../clock.js';
import { sql } from '../../db/sql.js';

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

/** The text pdftotext extracts (what a reader's search finds). */
const pdfText = (pdf: Buffer) =>
  execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf }).toString('utf8');

async function townWithVisit() {
  const { town, villages } = await buildTown(env, 1);
  const v = villages[0];
  const visitor = await buildUser(env, 'visitor', v.id);
  const p = await buildPerson(env, {
    townId: town.id,
    villageId: v.id,
    visitorId: visitor.id,
    name: '张桂兰',
  });
  const answers = fineAnswers(CHECKLIST_V1, { heating: true, flood: false }) as any;
  answers.D.house = { value: 'hazard', note: '屋顶漏雨' };
  const base = { townId: town.id, villageId: v.id, visitorId: visitor.id, personId: p.id };
  const visitId = await insertVisitRow(env.ctx.db, {
    ...base,
    at: new Date('2026-03-05T10:00:00+08:00'),
    method: 'in_person',
    outcome: 'reached',
    answers,
  });
  await insertTaskRow(env.ctx.db, { ...base, period: '2026-03', status: 'done', visitId });
  return { town, village: v, visitor, person: p };
}

describe('person dossier PDF', () => {
  it('prints the file with its visits and checklist in Chinese, masked per role, audited', async () => {
    const t = await townWithVisit();
    const officer = await actorClient(env, 'town_officer', t.town.id);
    const res = await officer.http.get(`/api/persons/${t.person.id}/dossier.pdf`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const text = pdfText(res.rawPayload);
    expect(text).toContain('一人一档');
    expect(text).toContain('张桂兰');
    expect(text).toContain('探访记录（共 1 次）');
    expect(text).toContain('屋顶漏雨');
    expect(text).toContain('上门探访');
    expect(text).toContain(t.person.idNumber);

    const supervisor = await actorClient(env, 'bureau_supervisor', env.districtId);
    const masked = pdfText((await supervisor.http.get(`/api/persons/${t.person.id}/dossier.pdf`)).rawPayload);
    expect(masked).toContain('张桂兰');
    expect(masked).not.toContain(t.person.idNumber);

    const audit = await env.ctx.db.query<{ n: number }>(
      sql(
        `select count(*)::int as n from audit_log where action = 'person.view' and entity_id = $1 and detail->>'document' = 'dossier.pdf'`,
      ),
      [String(t.person.id)],
    );
    expect(audit[0].n).toBe(2);

    const other = await buildTown(env, 1);
    const stranger = await actorClient(env, 'town_officer', other.town.id);
    expect((await stranger.http.get(`/api/persons/${t.person.id}/dossier.pdf`)).statusCode).toBe(404);
  });
});

describe('monthly report PDF', () => {
  it('is generated with the town table, kept, listed and downloadable again', async () => {
    const t = await townWithVisit();
    const bureau = await actorClient(env, 'bureau_supervisor', env.districtId);
    // Looking at it (GET) keeps nothing; generating it (POST) keeps it.
    const kept = async () => (await bureau.http.get('/api/reports?period=2026-03')).json().items.length;
    const before = await kept();
    const preview = await bureau.http.get('/api/reports/monthly.pdf?period=2026-03');
    expect(preview.statusCode).toBe(200);
    expect(preview.headers['x-report-id']).toBeUndefined();
    expect(pdfText(preview.rawPayload)).toContain('特困人员探访工作月报');
    expect(await kept()).toBe(before);
    const res = await bureau.http.post('/api/reports/monthly', { period: '2026-03' });
    expect(res.statusCode).toBe(201);
    expect(await kept()).toBe(before + 1);
    const text = pdfText(res.rawPayload);
    expect(text).toContain('特困人员探访工作月报');
    expect(text).toContain('2026年3月');
    expect(text).toContain('探访覆盖率');
    expect(text).toContain(t.town.name);
    expect(text).toContain('镇（街道）考核排名');
    expect(text).toContain('近 12 个月走势');
    // Section 二 starts on the first page, under the overview (its chart left two thirds of it blank).
    const first = execFileSync('pdftotext', ['-l', '1', '-layout', '-', '-'], {
      input: res.rawPayload,
    }).toString();
    expect(first).toContain('一、总体情况');
    expect(first).toContain('二、各镇（街道）情况');
    const id = Number(res.headers['x-report-id']);
    const list = (await bureau.http.get('/api/reports?period=2026-03')).json();
    expect(list.items.map((i: any) => i.id)).toContain(id);
    const again = await bureau.http.get(`/api/reports/${id}/file.pdf`);
    expect(again.statusCode).toBe(200);
    expect(Buffer.compare(again.rawPayload, res.rawPayload)).toBe(0);

    // A town officer reports on their own town, and cannot fetch the district's report.
    const officer = await actorClient(env, 'town_officer', t.town.id);
    const own = await officer.http.post('/api/reports/monthly', { period: '2026-03', areaId: t.town.id });
    expect(own.statusCode).toBe(201);
    expect(pdfText(own.rawPayload)).toContain(t.village.name);
    expect((await officer.http.get(`/api/reports/${id}/file.pdf`)).statusCode).toBe(404);
    expect((await officer.http.get('/api/reports/monthly.pdf?period=2026-3')).statusCode).toBe(400);
    expect((await officer.http.post('/api/reports/monthly', { period: '2026-13' })).statusCode).toBe(400);
  });
});
