import { execFileSync } from 'node:child_process';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { recordVisitWith } from '../../../../test/case-helpers.js';
import { type TestEnv, testEnv } from '../../../../test/context.js';
import { actorClient, buildPerson, buildTown } from '../../../../test/factories.js';
import { type Clock, createClock } from '../../clock.js';
import { sql } from '../../db/sql.js';

let env: TestEnv;
let savedClock: Clock;
const T0 = '2026-03-20T09:00:00+08:00';

beforeAll(async () => {
  env = await testEnv();
  savedClock = env.ctx.clock;
  env.ctx.clock = createClock(T0);
});
beforeEach(() => {
  env.ctx.clock.set(T0);
});
afterAll(() => {
  env.ctx.clock = savedClock;
});

const VALID_CODES = ['53100000500021676K', '91350100M000100Y43', '12100000400010398P'];
let codeSerial = 0;
/** A valid 统一社会信用代码 not used before in this run (the code is unique across the registry). */
async function freshCode(): Promise<string> {
  const { creditCodeCheckChar } = await import('../../../shared/credit-code.js');
  const body = `5315060${String(Date.now() % 1e6).padStart(6, '0')}${String(++codeSerial).padStart(4, '0')}`;
  return body + creditCodeCheckChar(body);
}

async function world() {
  const { town, villages } = await buildTown(env);
  const officer = await actorClient(env, 'town_officer', town.id);
  const visitor = await actorClient(env, 'visitor', villages[0].id);
  const mk = (v: number, name: string) =>
    buildPerson(env, { townId: town.id, villageId: villages[v].id, visitorId: visitor.id, name });
  const persons = [await mk(0, '甲'), await mk(0, '乙'), await mk(0, '丙'), await mk(1, '丁')];
  return { town, villages, officer, visitor, persons };
}

async function setFlags(personId: number, flags: string[]) {
  await env.ctx.db.query(sql('update persons set flags = $2 where id = $1'), [personId, flags]);
}

async function endPerson(by: { http: any }, personId: number, effectiveOn: string) {
  const p = (await by.http.get(`/api/persons/${personId}`)).json();
  const r = await by.http.post(`/api/persons/${personId}/status`, {
    version: p.version,
    status: 'ended',
    endReason: 'death',
    effectiveOn,
  });
  expect(r.statusCode, r.body).toBe(200);
}

describe('social organisations', () => {
  it('validates the unified social credit code (GB 32100-2015) and keeps it unique', async () => {
    const w = await world();
    const base = { areaId: w.town.id, kind: 'organisation', name: '爱心社工服务中心' };
    const bad = await w.officer.http.post('/api/outreach/organisations', {
      ...base,
      creditCode: '53100000500021676A',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('校验码');
    const short = await w.officer.http.post('/api/outreach/organisations', {
      ...base,
      creditCode: '5310000050',
    });
    expect(short.statusCode).toBe(400);
    expect(short.body).toContain('18 位');

    const code = await freshCode();
    const ok = await w.officer.http.post('/api/outreach/organisations', {
      ...base,
      creditCode: code.toLowerCase(),
      services: ['精神慰藉', '精神慰藉', '理发'],
    });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({ creditCode: code, services: ['精神慰藉', '理发'], active: true });

    const again = await w.officer.http.post('/api/outreach/organisations', {
      ...base,
      name: '另一家',
      creditCode: code,
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toContain('爱心社工服务中心');

    // Volunteers need no code.
    const vol = await w.officer.http.post('/api/outreach/organisations', {
      areaId: w.villages[0].id,
      kind: 'volunteer',
      name: '村青年志愿者队',
    });
    expect(vol.statusCode).toBe(201);
    expect(VALID_CODES.length).toBe(3);
  });

  it('a town manages its own; another town gets 404, a visitor 403; the bureau sees all, a town reads the bureau’s but cannot edit them', async () => {
    const a = await world();
    const b = await world();
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    const own = (
      await a.officer.http.post('/api/outreach/organisations', {
        areaId: a.town.id,
        kind: 'volunteer',
        name: 'A 队',
      })
    ).json();

    // Another town: not visible, not editable, not deletable; cannot register into A's area.
    expect(
      (await b.officer.http.patch(`/api/outreach/organisations/${own.id}`, { version: 1, active: false }))
        .statusCode,
    ).toBe(404);
    expect((await b.officer.http.delete(`/api/outreach/organisations/${own.id}`)).statusCode).toBe(404);
    expect(
      (
        await b.officer.http.post('/api/outreach/organisations', {
          areaId: a.town.id,
          kind: 'volunteer',
          name: 'x',
        })
      ).statusCode,
    ).toBe(404);
    const bList = (await b.officer.http.get('/api/outreach/organisations?pageSize=200')).json();
    expect(bList.items.map((o: any) => o.id)).not.toContain(own.id);
    // A visitor has no access at all.
    expect((await a.visitor.http.get('/api/outreach/organisations')).statusCode).toBe(403);
    expect(
      (
        await a.visitor.http.post('/api/outreach/organisations', {
          areaId: a.villages[0].id,
          kind: 'volunteer',
          name: 'x',
        })
      ).statusCode,
    ).toBe(403);

    // The bureau sees A's and registers its own, which towns can read (to name it as organiser) but not edit.
    const inTown = (await admin.http.get(`/api/outreach/organisations?areaId=${a.town.id}`)).json();
    expect(inTown.items.map((o: any) => o.id)).toEqual([own.id]);
    const bureauOrg = (
      await admin.http.post('/api/outreach/organisations', {
        areaId: env.districtId,
        kind: 'organisation',
        name: `区社会工作协会${codeSerial}`,
        creditCode: await freshCode(),
      })
    ).json();
    const seen = (await a.officer.http.get('/api/outreach/organisations?pageSize=200')).json();
    expect(seen.items.map((o: any) => o.id)).toContain(bureauOrg.id);
    const edit = await a.officer.http.patch(`/api/outreach/organisations/${bureauOrg.id}`, {
      version: 1,
      name: '改名',
    });
    expect(edit.statusCode).toBe(403);

    // Stale version → 409; a good edit → 200.
    const upd = await a.officer.http.patch(`/api/outreach/organisations/${own.id}`, {
      version: 1,
      active: false,
    });
    expect(upd.json()).toMatchObject({ active: false, version: 2 });
    expect(
      (await a.officer.http.patch(`/api/outreach/organisations/${own.id}`, { version: 1, name: 'y' }))
        .statusCode,
    ).toBe(409);
    // Huge and bad input: 400 with a Chinese message, nothing written.
    const huge = await a.officer.http.post('/api/outreach/organisations', {
      areaId: a.town.id,
      kind: 'volunteer',
      name: '名'.repeat(5000),
    });
    expect(huge.statusCode).toBe(400);
    expect(huge.body).toMatch(/不能超过/);
    expect((await a.officer.http.delete(`/api/outreach/organisations/${own.id}`)).statusCode).toBe(204);
  });
});

describe('activities', () => {
  it('records participants picked and by rule (resolved at save, rule kept), on each timeline; refuses foreign, ended and outside persons', async () => {
    const w = await world();
    const other = await world();
    const [p1, p2, p3, p4] = w.persons;
    await setFlags(p2.id, ['lives_alone']);
    await setFlags(p3.id, ['lives_alone', 'severe_disability']);
    await setFlags(p4.id, ['lives_alone']); // in the other village: not named by the rule
    const org = (
      await w.officer.http.post('/api/outreach/organisations', {
        areaId: w.town.id,
        kind: 'organisation',
        name: '暖心社工站',
        creditCode: await freshCode(),
      })
    ).json();
    const preview = (
      await w.officer.http.post('/api/outreach/reach-preview', {
        areaId: w.villages[0].id,
        flags: ['lives_alone'],
      })
    ).json();
    expect(preview.items.map((p: any) => p.personId).sort()).toEqual([p2.id, p3.id].sort());

    const body = {
      areaId: w.town.id,
      type: 'festival',
      heldOn: '2026-02-10',
      place: '测试村党群服务中心',
      organisationId: org.id,
      services: ['慰问品发放', '政策宣传'],
      personIds: [p1.id, p2.id],
      rule: { areaId: w.villages[0].id, flags: ['lives_alone'] },
      clientId: `act-${Date.now()}`,
    };
    const res = await w.officer.http.post('/api/outreach/activities', body);
    expect(res.statusCode, res.body).toBe(201);
    const act = res.json();
    expect(act.participants.map((p: any) => p.personId).sort()).toEqual([p1.id, p2.id, p3.id].sort());
    expect(act).toMatchObject({
      organiserName: '暖心社工站',
      participantCount: 3,
      reachRule: { areaId: w.villages[0].id, flags: ['lives_alone'] },
    });
    // A retry with the same clientId answers the same activity.
    expect((await w.officer.http.post('/api/outreach/activities', body)).json().id).toBe(act.id);
    // Later changes to flags do not change a saved list.
    await setFlags(p1.id, ['lives_alone']);
    expect((await w.officer.http.get(`/api/outreach/activities/${act.id}`)).json().participantCount).toBe(3);

    // On the person's timeline.
    const tl = (await w.officer.http.get(`/api/persons/${p3.id}/timeline`)).json();
    const ev = tl.items.find((e: any) => e.kind === 'outreach.activity');
    expect(ev.title).toContain('节日慰问');
    expect(ev.title).toContain('暖心社工站');
    // And in the list filtered by person; and in the dossier PDF's text.
    const byPerson = (await w.officer.http.get(`/api/outreach/activities?personId=${p3.id}`)).json();
    expect(byPerson.items.map((a: any) => a.id)).toEqual([act.id]);

    // Another town's person: 404; an ended person: 400; a person outside the activity's area: 400.
    const foreign = await w.officer.http.post('/api/outreach/activities', {
      ...body,
      clientId: undefined,
      rule: null,
      personIds: [other.persons[0].id],
    });
    expect(foreign.statusCode).toBe(404);
    await endPerson(w.officer, p4.id, '2026-03-01');
    const ended = await w.officer.http.post('/api/outreach/activities', {
      ...body,
      clientId: undefined,
      rule: null,
      personIds: [p4.id],
    });
    expect(ended.statusCode).toBe(400);
    expect(ended.json().message).toContain('已终止供养');
    const villageOfficer = await actorClient(env, 'village_officer', w.villages[1].id);
    const outside = await w.officer.http.post('/api/outreach/activities', {
      ...body,
      areaId: w.villages[1].id,
      clientId: undefined,
      rule: null,
      personIds: [p1.id],
    });
    expect(outside.statusCode).toBe(400);
    expect(outside.json().message).toContain('不在活动举办地');
    // A village officer cannot hold an activity for the whole town, nor edit the town's.
    expect(
      (
        await villageOfficer.http.post('/api/outreach/activities', {
          ...body,
          clientId: undefined,
          rule: null,
          personIds: [],
        })
      ).statusCode,
    ).toBe(404);
    // Future date, too many persons: 400 with a Chinese message.
    const future = await w.officer.http.post('/api/outreach/activities', {
      ...body,
      clientId: undefined,
      heldOn: '2026-04-01',
    });
    expect(future.statusCode).toBe(400);
    expect(future.json().message).toContain('不能晚于今天');
    const many = await w.officer.http.post('/api/outreach/activities', {
      ...body,
      clientId: undefined,
      personIds: Array.from({ length: 2001 }, (_, i) => i + 1),
    });
    expect(many.statusCode).toBe(400);
    // Another town's officer: the activity is not theirs to read, edit or delete.
    expect((await other.officer.http.get(`/api/outreach/activities/${act.id}`)).statusCode).toBe(404);
    expect(
      (await other.officer.http.patch(`/api/outreach/activities/${act.id}`, { version: 1, place: 'x' }))
        .statusCode,
    ).toBe(404);
    expect((await other.officer.http.delete(`/api/outreach/activities/${act.id}`)).statusCode).toBe(404);
    expect((await w.visitor.http.get('/api/outreach/activities')).statusCode).toBe(403);
    // The organisation that organised it cannot be deleted (only deactivated).
    expect((await w.officer.http.delete(`/api/outreach/organisations/${org.id}`)).statusCode).toBe(409);

    // Editing the list: p1 removed → off the timeline; deleting the activity removes it from all.
    const edited = await w.officer.http.patch(`/api/outreach/activities/${act.id}`, {
      version: act.version,
      personIds: [p2.id, p3.id],
      place: '村文化广场',
    });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json()).toMatchObject({ participantCount: 2, place: '村文化广场' });
    const tl1 = (await w.officer.http.get(`/api/persons/${p1.id}/timeline`)).json();
    expect(tl1.items.some((e: any) => e.kind === 'outreach.activity')).toBe(false);
    const tl2 = (await w.officer.http.get(`/api/persons/${p2.id}/timeline`)).json();
    expect(tl2.items.filter((e: any) => e.kind === 'outreach.activity').map((e: any) => e.title)).toEqual([
      expect.stringContaining('村文化广场'),
    ]);
    expect((await w.officer.http.delete(`/api/outreach/activities/${act.id}`)).statusCode).toBe(204);
    const tl3 = (await w.officer.http.get(`/api/persons/${p3.id}/timeline`)).json();
    expect(tl3.items.some((e: any) => e.kind === 'outreach.activity')).toBe(false);
  });

  it('a village reached by a town’s activity reads it (its own persons only) but cannot change it', async () => {
    const w = await world();
    const [p1, , , p4] = w.persons;
    const act = (
      await w.officer.http.post('/api/outreach/activities', {
        areaId: w.town.id,
        type: 'policy',
        heldOn: '2026-03-03',
        place: '镇政府广场',
        personIds: [p1.id, p4.id],
      })
    ).json();
    const village2 = await actorClient(env, 'village_officer', w.villages[1].id);
    const seen = await village2.http.get(`/api/outreach/activities/${act.id}`);
    expect(seen.statusCode).toBe(200);
    expect(seen.json().participants.map((p: any) => p.personId)).toEqual([p4.id]);
    expect(
      (await village2.http.patch(`/api/outreach/activities/${act.id}`, { version: act.version, place: 'x' }))
        .statusCode,
    ).toBe(403);
    expect((await village2.http.delete(`/api/outreach/activities/${act.id}`)).statusCode).toBe(403);
    const list = (await village2.http.get('/api/outreach/activities')).json();
    expect(list.items.map((a: any) => a.id)).toContain(act.id);
  });

  it('the dossier PDF lists the person’s activities', async () => {
    const w = await world();
    await w.officer.http.post('/api/outreach/activities', {
      areaId: w.town.id,
      type: 'health',
      heldOn: '2026-03-02',
      place: '镇卫生院',
      services: ['健康义诊'],
      personIds: [w.persons[0].id],
    });
    const pdf = await w.officer.http.get(`/api/persons/${w.persons[0].id}/dossier.pdf`);
    expect(pdf.statusCode).toBe(200);
    const text = execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf.rawPayload }).toString('utf8');
    expect(text).toContain('关爱活动');
    expect(text).toContain('健康义诊');
    expect(text).toContain('镇卫生院');
  });
});

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

describe('activity photos', () => {
  it('take real images only, at most six, shown in scope (each view audited), deleted by the holder', async () => {
    const w = await world();
    const other = await world();
    const act = (
      await w.officer.http.post('/api/outreach/activities', {
        areaId: w.town.id,
        type: 'festival',
        heldOn: '2026-03-01',
        place: '镇文化站',
        personIds: [w.persons[0].id],
      })
    ).json();
    const url = `/api/outreach/activities/${act.id}/photos`;
    const fake = await w.officer.http.post(url, {
      mime: 'image/png',
      data: Buffer.from('<html><script>alert(1)</script></html>').toString('base64'),
    });
    expect(fake.statusCode).toBe(400);
    expect(fake.json().message).toContain('不符');
    const ok = await w.officer.http.post(url, { mime: 'image/png', data: PNG.toString('base64') });
    expect(ok.statusCode, ok.body).toBe(201);
    const [photo] = ok.json().photos;
    expect(photo).toMatchObject({ mime: 'image/png', size: PNG.length });
    const got = await w.officer.http.get(`${url}/${photo.id}`);
    expect(got.statusCode).toBe(200);
    expect(got.rawPayload.equals(PNG)).toBe(true);
    expect((await other.officer.http.get(`${url}/${photo.id}`)).statusCode).toBe(404);
    expect(
      (await other.officer.http.post(url, { mime: 'image/png', data: PNG.toString('base64') })).statusCode,
    ).toBe(404);
    expect((await other.officer.http.delete(`${url}/${photo.id}`)).statusCode).toBe(404);
    for (let i = 0; i < 5; i++)
      expect(
        (await w.officer.http.post(url, { mime: 'image/png', data: PNG.toString('base64') })).statusCode,
      ).toBe(201);
    const seventh = await w.officer.http.post(url, { mime: 'image/png', data: PNG.toString('base64') });
    expect(seventh.statusCode).toBe(409);
    expect(seventh.json().message).toContain('最多 6 张');
    expect((await w.officer.http.delete(`${url}/${photo.id}`)).statusCode).toBe(204);
    expect((await w.officer.http.get(`/api/outreach/activities/${act.id}`)).json().photos).toHaveLength(5);
  });
});

describe('outreach figures', () => {
  it('persons reached (twice counted once, ended not counted), activities per area and 政策知晓率 match hand counts, with drill-down', async () => {
    const w = await world();
    const [p1, p2, p3, p4] = w.persons;
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    const post = async (b: Record<string, unknown>) => {
      const r = await w.officer.http.post('/api/outreach/activities', {
        areaId: w.town.id,
        type: 'mutual_aid',
        place: '村委会',
        ...b,
      });
      expect(r.statusCode, r.body).toBe(201);
      return r.json();
    };
    // Q1 2026: p1 twice, p2 once, p3 once (ended before that activity's date, by a backdated end),
    // p4 (other village) once by an activity held in that village.
    await post({ heldOn: '2026-01-15', personIds: [p1.id, p2.id] });
    await post({ heldOn: '2026-02-20', personIds: [p1.id, p3.id] });
    await post({ areaId: w.villages[1].id, heldOn: '2026-03-05', personIds: [p4.id] });
    // Q4 2025: not in the quarter.
    await post({ heldOn: '2025-12-28', personIds: [p2.id] });
    // No persons at all: still an activity of the town.
    await post({ heldOn: '2026-03-10', type: 'policy', personIds: [] });
    await endPerson(w.officer, p3.id, '2026-02-01');

    // 政策知晓率 from visits in the same area and quarter: 2 yes, 1 no → 2/3.
    const aware = (v: 'yes' | 'no') => (a: any) => {
      a.M = { ...a.M, policyAware: v === 'yes' ? { value: 'yes' } : { value: 'no', note: '已现场讲解' } };
    };
    await recordVisitWith(env, w.visitor, p1.id, { at: '2026-01-20T10:00:00+08:00', answers: aware('yes') });
    await recordVisitWith(env, w.visitor, p2.id, { at: '2026-02-11T10:00:00+08:00', answers: aware('no') });
    await recordVisitWith(env, w.visitor, p4.id, { at: '2026-03-11T10:00:00+08:00', answers: aware('yes') });

    const town = (
      await w.officer.http.get(`/api/outreach/figures?period=2026-Q1&areaId=${w.town.id}`)
    ).json();
    expect(town.figures).toEqual({
      activities: 4,
      personsReached: 3, // p1 (twice → once), p2, p4; p3 ended before the activity
      policyAwareness: { value: 2 / 3, numerator: 2, denominator: 3 },
    });
    const [v1, v2] = town.children;
    expect(v1).toMatchObject({ id: w.villages[0].id, figures: { activities: 2, personsReached: 2 } });
    expect(v2).toMatchObject({ id: w.villages[1].id, figures: { activities: 1, personsReached: 1 } });
    expect(v1.figures.policyAwareness).toEqual({ value: 0.5, numerator: 1, denominator: 2 });

    // The district's row of this town says the same.
    const dres = await admin.http.get('/api/outreach/figures?period=2026-Q1');
    expect(dres.statusCode, dres.body).toBe(200);
    const district = dres.json();
    const row = district.children.find((c: any) => c.id === w.town.id);
    expect(row.figures).toEqual(town.figures);

    // Drill-down: exactly the counted records.
    const reached = (
      await w.officer.http.get(
        `/api/outreach/figures/records?figure=outreachPersonsReached&period=2026-Q1&areaId=${w.town.id}`,
      )
    ).json();
    expect(reached.total).toBe(3);
    expect(reached.items.map((r: any) => r.id).sort()).toEqual([p1.id, p2.id, p4.id].sort());
    expect(reached.items.find((r: any) => r.id === p1.id).detail).toBe('2 次');
    const acts = (
      await w.officer.http.get(
        `/api/outreach/figures/records?figure=outreachActivities&period=2026-Q1&areaId=${w.town.id}`,
      )
    ).json();
    expect(acts.total).toBe(4);
    // A month: February only.
    const feb = (await w.officer.http.get(`/api/outreach/figures?period=2026-02&areaId=${w.town.id}`)).json();
    expect(feb.figures).toMatchObject({ activities: 1, personsReached: 1 });
    // The monthly report of February has the same figures in its outreach section.
    const report = await w.officer.http.get(`/api/reports/monthly.pdf?period=2026-02&areaId=${w.town.id}`);
    expect(report.statusCode, report.body.slice(0, 200)).toBe(200);
    const text = execFileSync('pdftotext', ['-layout', '-', '-'], { input: report.rawPayload }).toString(
      'utf8',
    );
    expect(text).toContain('关爱活动与政策宣传');
    const totalLine = text.split('\n').find((l) => l.includes(`${w.town.name}（合计）`))!;
    // February: one activity (p1, p3 — p3 ended before it), one person reached; 政策知晓率 0/1 (too few).
    expect(totalLine.replace(/\s+/g, ' ')).toMatch(/（合计） 1 1 样本不足/);
    // Scope and input: another town's area → 404, a visitor → 403, a bad period → 400.
    const other = await world();
    expect((await other.officer.http.get(`/api/outreach/figures?areaId=${w.town.id}`)).statusCode).toBe(404);
    expect((await w.visitor.http.get('/api/outreach/figures')).statusCode).toBe(403);
    const bad = await w.officer.http.get('/api/outreach/figures?period=2026-Q5');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('期间格式');

    // The ledger: one row per activity, one per person reached.
    const x = await w.officer.http.get(`/api/outreach/activities.xlsx?period=2026-Q1&areaId=${w.town.id}`);
    expect(x.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(x.rawPayload as unknown as ArrayBuffer);
    const [s1, s2] = wb.worksheets;
    expect(s1.getRow(2).getCell(3).value).toBe('活动类型');
    expect(s1.rowCount).toBe(2 + 4);
    expect(s2.rowCount).toBe(2 + 5); // p1, p2 | p1, p3 | p4
    expect(String(s2.getRow(3).getCell(8).value)).toMatch(/\*{8}/);
    expect(
      (await other.officer.http.get(`/api/outreach/activities.xlsx?areaId=${w.town.id}`)).statusCode,
    ).toBe(404);
  });
});

describe('caregiver recognition (孝老爱亲)', () => {
  it('is recorded on the caregiver in scope; another town gets 404, a visitor 403', async () => {
    const w = await world();
    const other = await world();
    const { freshIdNumber } = await import('../../../../test/factories.js');
    const cg = await w.officer.http.post('/api/caregivers', {
      name: '张照料',
      idNumber: freshIdNumber('1970-01-01', 'female'),
      areaId: w.villages[0].id,
    });
    expect(cg.statusCode, cg.body).toBe(201);
    const id = cg.json().id;
    const body = {
      title: '孝老爱亲模范',
      awardedOn: '2026-01-20',
      awardedBy: '测试镇人民政府',
      note: '十年如一日',
    };
    const r = await w.officer.http.post(`/api/caregivers/${id}/recognitions`, body);
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({ title: '孝老爱亲模范', awardedOn: '2026-01-20' });
    expect((await w.officer.http.get(`/api/caregivers/${id}/recognitions`)).json().items).toHaveLength(1);
    expect((await other.officer.http.post(`/api/caregivers/${id}/recognitions`, body)).statusCode).toBe(404);
    expect((await other.officer.http.get(`/api/caregivers/${id}/recognitions`)).statusCode).toBe(404);
    expect((await other.officer.http.delete(`/api/caregiver-recognitions/${r.json().id}`)).statusCode).toBe(
      404,
    );
    expect((await w.visitor.http.get(`/api/caregivers/${id}/recognitions`)).statusCode).toBe(403);
    const future = await w.officer.http.post(`/api/caregivers/${id}/recognitions`, {
      ...body,
      awardedOn: '2027-01-01',
    });
    expect(future.statusCode).toBe(400);
    expect((await w.officer.http.delete(`/api/caregiver-recognitions/${r.json().id}`)).statusCode).toBe(204);
    expect((await w.officer.http.get(`/api/caregivers/${id}/recognitions`)).json().items).toHaveLength(0);
  });
});

describe('outreach figures above the county (issue 31)', () => {
  it('a city sums its counties: activities and persons reached per county, as each county counts itself', async () => {
    // A database of its own: joining a city above the root would move the shared database's root.
    const { isolatedEnv } = await import('../../../../test/isolated-db.js');
    const iso = await isolatedEnv(env);
    try {
      iso.ctx.clock = createClock(T0);
      const admin = await actorClient(iso, 'bureau_admin', iso.districtId);
      const city = (
        await admin.http.post('/api/areas/above-root', { name: '鄂尔多斯市', code: '150600' })
      ).json();
      const cityAdmin = await actorClient(iso, 'bureau_admin', city.id);
      const banner = (
        await cityAdmin.http.post('/api/areas', { parentId: city.id, name: '伊金霍洛旗' })
      ).json();
      const sumu = (
        await cityAdmin.http.post('/api/areas', { parentId: banner.id, name: '红庆河苏木' })
      ).json();
      const gacha = (
        await cityAdmin.http.post('/api/areas', { parentId: sumu.id, name: '巴音敖包嘎查' })
      ).json();
      const [hantai] = await iso.ctx.db.query<{ id: number }>(
        sql(`select id from areas where code = '150602101'`),
      );
      const [hv] = await iso.ctx.db.query<{ id: number }>(
        sql(`select id from areas where code = '150602101001'`),
      );
      const a1 = await buildPerson(iso, { townId: hantai.id, villageId: hv.id });
      const a2 = await buildPerson(iso, { townId: hantai.id, villageId: hv.id });
      const b1 = await buildPerson(iso, { townId: sumu.id, villageId: gacha.id });
      const post = async (areaId: number, heldOn: string, personIds: number[]) => {
        const r = await cityAdmin.http.post('/api/outreach/activities', {
          areaId,
          type: 'festival',
          heldOn,
          place: '活动室',
          personIds,
        });
        expect(r.statusCode, r.body).toBe(201);
      };
      await post(hantai.id, '2026-01-10', [a1.id, a2.id]);
      await post(hantai.id, '2026-02-10', [a1.id]);
      await post(gacha.id, '2026-03-01', [b1.id]);
      // The city's own activity reaching persons of both counties: once in the city, once in each.
      await post(city.id, '2026-03-05', [a2.id, b1.id]);

      const res = await cityAdmin.http.get('/api/outreach/figures?period=2026-Q1');
      expect(res.statusCode, res.body).toBe(200);
      const c = res.json();
      expect(c.area).toMatchObject({ id: city.id, level: 'city' });
      expect(c.figures).toMatchObject({ activities: 4, personsReached: 3 });
      const row = (id: number) => c.children.find((x: any) => x.id === id).figures;
      expect(row(iso.districtId)).toMatchObject({ activities: 3, personsReached: 2 });
      expect(row(banner.id)).toMatchObject({ activities: 2, personsReached: 1 });
      // Each county's own page says the same as its row.
      for (const id of [iso.districtId, banner.id]) {
        const own = (await cityAdmin.http.get(`/api/outreach/figures?period=2026-Q1&areaId=${id}`)).json();
        expect(own.figures).toEqual(row(id));
      }
      const records = (
        await cityAdmin.http.get('/api/outreach/figures/records?figure=outreachActivities&period=2026-Q1')
      ).json();
      expect(records.total).toBe(4);
      // A rule over the whole banner names its persons.
      const preview = (
        await cityAdmin.http.post('/api/outreach/reach-preview', { areaId: banner.id })
      ).json();
      expect(preview.items.map((p: any) => p.personId)).toEqual([b1.id]);
    } finally {
      await iso.drop();
    }
  });
});
