import { createHmac, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../../test/context.js';
import {
  actorClient,
  buildPerson,
  buildTown,
  freshIdNumber,
  multipartFile,
} from '../../../../test/factories.js';
import { sql } from '../../db/sql.js';
import ExcelJS from '../../lib/xlsx.js';

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});

interface Account {
  token: string;
  secret: string;
  id: number;
}

/** A service account made through the API by a bureau admin. */
async function makeAccount(areaId: number, permissions = ['signals.submit'], name = '测试接入') {
  const admin = await actorClient(env, 'bureau_admin', env.districtId);
  const res = await admin.http.post('/api/service-accounts', {
    name,
    areaId,
    permissions,
    expiresInDays: 30,
  });
  expect(res.statusCode, res.body).toBe(201);
  const b = res.json();
  return { token: b.token, secret: b.secret, id: b.account.id, admin } as Account & { admin: typeof admin };
}

function signed(a: Account, body: unknown, o: { ts?: number; secret?: string; raw?: string } = {}) {
  const raw = o.raw ?? JSON.stringify(body);
  const ts = String(o.ts ?? Math.floor(env.ctx.clock.now().getTime() / 1000));
  const sig = createHmac('sha256', o.secret ?? a.secret)
    .update(`${ts}.${raw}`)
    .digest('hex');
  return {
    method: 'POST' as const,
    url: '/api/signals',
    payload: raw,
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${a.token}`,
      'x-tanfang-timestamp': ts,
      'x-tanfang-signature': `sha256=${sig}`,
    },
  };
}
const send = (a: Account, body: unknown, o?: Parameters<typeof signed>[2]) =>
  env.app.inject(signed(a, body, o));

const meter = (idNumber: string, key: string = randomUUID()) => ({
  key,
  type: 'meter_silent',
  occurredAt: new Date().toISOString(),
  idNumber,
  description: '水表 24 小时无用水',
  details: { meterNo: 'W-1' },
});

const signalsOf = (accountId: number) =>
  env.ctx.db.query<{ id: number; status: string; task_id: number | null; reason: string | null }>(
    sql('select id, status, task_id, reason from signals where account_id = $1 order by id'),
    [accountId],
  );
const refusals = (accountId: number) =>
  env.ctx.db.query<{ action: string; detail: any }>(
    sql(
      `select action, detail from audit_log where entity = 'service_account' and entity_id = $1 and action = 'signals.refused' order by id`,
    ),
    [String(accountId)],
  );

async function townWithPerson() {
  const { town, villages } = await buildTown(env);
  const visitor = await actorClient(env, 'visitor', villages[0].id);
  const person = await buildPerson(env, {
    townId: town.id,
    villageId: villages[0].id,
    visitorId: visitor.id,
  });
  return { town, villages, visitor, person };
}

describe('service accounts and the signed door', () => {
  it('refuses a bad signature, an old timestamp and a person login; audits under the account', async () => {
    const { town, person } = await townWithPerson();
    const a = await makeAccount(town.id);
    const body = [meter(person.idNumber)];
    expect((await send(a, body, { secret: 'wrong' })).statusCode).toBe(401);
    const old = await send(a, body, { ts: Math.floor(Date.now() / 1000) - 301 });
    expect(old.statusCode).toBe(401);
    expect(old.json().message).toContain('防重放');
    // A tampered body under a valid signature of another body.
    const req = signed(a, body);
    req.payload = JSON.stringify([{ ...body[0], idNumber: freshIdNumber() }]);
    expect((await env.app.inject(req)).statusCode).toBe(401);
    expect((await signalsOf(a.id)).length).toBe(0);
    expect((await refusals(a.id)).map((r) => r.detail.reason)).toEqual(['signature', 'stale', 'signature']);

    // A person's login is no machine credential, and a machine's token is no login.
    const officer = await actorClient(env, 'town_officer', town.id);
    const asPerson = await env.app.inject({
      ...signed(a, body),
      headers: { ...signed(a, body).headers, authorization: `Bearer ${officer.token}` },
    });
    expect(asPerson.statusCode).toBe(401);
    const onPersons = await env.app.inject({
      method: 'GET',
      url: '/api/persons',
      headers: { authorization: `Bearer ${a.token}` },
    });
    expect(onPersons.statusCode).toBe(403);
    expect((await refusals(a.id)).at(-1)!.detail.reason).toBe('route');

    // Listed with last use; revoked → 401.
    expect((await send(a, body)).statusCode).toBe(200);
    const list = (await a.admin.http.get('/api/service-accounts')).json().items;
    const mine = list.find((x: any) => x.id === a.id);
    expect(mine.lastUsedAt).not.toBeNull();
    expect(mine.tokenHint.startsWith('tfsa_')).toBe(true);
    expect(JSON.stringify(list)).not.toContain(a.token);
    const stored = await env.ctx.db.query<{ token_hash: string; secret_enc: string }>(
      sql('select token_hash, secret_enc from service_accounts where id = $1'),
      [a.id],
    );
    expect(stored[0].token_hash).not.toContain(a.token.slice(5));
    expect(stored[0].secret_enc).not.toContain(a.secret);
    expect(
      (await a.admin.http.post(`/api/service-accounts/${a.id}/revoke`, { reason: '停用' })).statusCode,
    ).toBe(200);
    expect((await send(a, [meter(person.idNumber)])).statusCode).toBe(401);
  });

  it('refuses a town officer of another town the account and a visitor the page (scope, role)', async () => {
    const { town } = await townWithPerson();
    const a = await makeAccount(town.id);
    const other = await buildTown(env);
    const officer = await actorClient(env, 'town_officer', other.town.id);
    expect(
      (await officer.http.post(`/api/service-accounts/${a.id}/revoke`, { reason: 'x' })).statusCode,
    ).toBe(404);
    expect(
      (
        await officer.http.post('/api/service-accounts', {
          name: 'x',
          areaId: town.id,
          permissions: ['signals.submit'],
          expiresInDays: 1,
        })
      ).statusCode,
    ).toBe(404);
    const visitor = await actorClient(env, 'visitor', other.villages[0].id);
    expect((await visitor.http.get('/api/signals')).statusCode).toBe(403);
    const bad = await a.admin.http.post('/api/service-accounts', {
      name: '',
      areaId: town.id,
      permissions: [],
      expiresInDays: 0,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/[\u4e00-\u9fff]/);
  });
});

describe('signals become tasks', () => {
  it('opens one verification task for the visitor; a resend and a replay are the same signal; a duplicate merges', async () => {
    const { town, visitor, person } = await townWithPerson();
    const a = await makeAccount(town.id);
    const item = meter(person.idNumber);
    const first = await send(a, [item]);
    expect(first.statusCode, first.body).toBe(200);
    const r = first.json().results[0];
    expect(r).toMatchObject({ key: item.key, status: 'opened', matched: true, reason: null });
    const [task] = await env.ctx.db.query<any>(
      sql('select kind, visitor_id, status, window_end, window_start, reason from visit_tasks where id = $1'),
      [r.taskId],
    );
    expect(task).toMatchObject({ kind: 'follow_up', visitor_id: visitor.id, status: 'open' });
    expect(new Date(task.window_end).getTime() - new Date(task.window_start).getTime()).toBe(24 * 3600000);
    expect(task.reason).toContain('核查任务');
    const inbox = (await visitor.http.get('/api/inbox')).json().items;
    expect(inbox.some((n: any) => n.kind === 'signal.task')).toBe(true);

    // Resent with the same key (a new timestamp and signature): the same answer, one signal.
    const again = await send(a, [item]);
    expect(again.json().results[0]).toEqual(r);
    // The same signed request replayed inside the window: still one signal.
    const req = signed(a, [item]);
    expect((await env.app.inject(req)).json().results[0]).toEqual(r);
    expect((await env.app.inject(req)).json().results[0]).toEqual(r);
    // Another key, same person and type, inside the window: merged into the open task.
    const dup = (await send(a, [meter(person.idNumber)])).json().results[0];
    expect(dup).toMatchObject({ status: 'merged', taskId: r.taskId, mergedInto: r.signalId });
    expect((await signalsOf(a.id)).length).toBe(2);
    // Inside one batch the same key twice is an error naming it.
    const twice = await send(a, [item, item]);
    expect(twice.statusCode).toBe(400);
  });

  it('keeps unknown, invalid and ended persons for review with the reason', async () => {
    const { town, villages, person } = await townWithPerson();
    const ended = await buildPerson(env, { townId: town.id, villageId: villages[1].id });
    await env.ctx.db.query(sql(`update persons set status = 'ended' where id = $1`), [ended.id]);
    const a = await makeAccount(town.id);
    const res = await send(a, [
      meter(freshIdNumber()),
      meter('150602194501011230'),
      meter(ended.idNumber),
      meter(person.idNumber),
    ]);
    expect(res.statusCode, res.body).toBe(200);
    const out = res.json().results;
    expect(out.map((x: any) => [x.status, x.reason])).toEqual([
      ['unmatched', 'unknown_id'],
      ['unmatched', 'invalid_id'],
      ['unmatched', 'ended'],
      ['opened', null],
    ]);
    const officer = await actorClient(env, 'town_officer', town.id);
    const review = (await officer.http.get('/api/signals?review=1')).json().items;
    expect(review.map((s: any) => s.reason).sort()).toEqual(['ended', 'invalid_id', 'unknown_id']);
    expect(review.every((s: any) => !s.idMasked || s.idMasked.includes('*'))).toBe(true);
    const s = review[0];
    const done = await officer.http.post(`/api/signals/${s.id}/review`, {
      note: '已核实：非本区对象',
      version: s.version,
    });
    expect(done.statusCode, done.body).toBe(200);
    expect(
      (await officer.http.post(`/api/signals/${s.id}/review`, { note: 'x', version: s.version })).statusCode,
    ).toBe(409);
    expect((await officer.http.get('/api/signals?review=1')).json().items.length).toBe(2);
    // Another town's officer sees none of them.
    const other = await buildTown(env);
    const stranger = await actorClient(env, 'town_officer', other.town.id);
    expect((await stranger.http.get('/api/signals')).json().items.length).toBe(0);
    expect(
      (await stranger.http.post(`/api/signals/${review[1].id}/review`, { note: 'x', version: 1 })).statusCode,
    ).toBe(404);
    const figures = (await officer.http.get('/api/signals/figures')).json();
    expect(figures.total).toBe(4);
    expect(figures.awaitingReview).toBe(2);
  });

  it('refuses a person outside the account area and a type outside its permissions (403, audited)', async () => {
    const { town } = await townWithPerson();
    const elsewhere = await townWithPerson();
    const a = await makeAccount(town.id);
    const res = await send(a, [meter(elsewhere.person.idNumber)]);
    expect(res.statusCode).toBe(403);
    const weather = await send(a, [
      {
        key: 'w1',
        type: 'weather_warning',
        occurredAt: new Date().toISOString(),
        weatherKind: 'cold_wave',
        areaCodes: [town.code],
        warningId: randomUUID(),
      },
    ]);
    expect(weather.statusCode).toBe(403);
    expect((await refusals(a.id)).map((r) => r.detail.reason)).toEqual(['area', 'permission']);
    expect((await signalsOf(a.id)).length).toBe(0);
  });

  it('a hospital discharge makes one follow-up task; a police report may open an incident by rule', async () => {
    const { town, person, visitor } = await townWithPerson();
    const a = await makeAccount(town.id);
    const discharge = {
      key: randomUUID(),
      type: 'hospital_discharge',
      occurredAt: new Date().toISOString(),
      idNumber: person.idNumber,
      source: '区人民医院',
    };
    const one = (await send(a, [discharge, { ...discharge, key: randomUUID() }])).json().results;
    expect(one[0].status).toBe('opened');
    expect(one[1]).toMatchObject({ status: 'merged', taskId: one[0].taskId });
    const tasks = await env.ctx.db.query<any>(
      sql(`select kind, reason, visitor_id from visit_tasks where person_id = $1 and kind = 'follow_up'`),
      [person.id],
    );
    expect(tasks).toEqual([
      { kind: 'follow_up', reason: expect.stringContaining('出院跟进'), visitor_id: visitor.id },
    ]);

    const officer = await actorClient(env, 'town_officer', town.id);
    const put = await officer.http.put('/api/signals/rules', {
      areaId: town.id,
      type: 'police_report',
      rule: { action: 'verify', hours: 12, incidentType: 'infringement', mergeHours: 24, selection: null },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().rules.find((r: any) => r.type === 'police_report').source).toBe(town.id);
    const bad = await officer.http.put('/api/signals/rules', {
      areaId: town.id,
      type: 'police_report',
      rule: { action: 'campaign', hours: 12, incidentType: null, mergeHours: 24, selection: null },
    });
    expect(bad.statusCode).toBe(400);
    const police = (
      await send(a, [
        {
          key: randomUUID(),
          type: 'police_report',
          occurredAt: new Date().toISOString(),
          idNumber: person.idNumber,
        },
      ])
    ).json().results[0];
    expect(police.status).toBe('opened');
    expect(police.incidentId).toBeGreaterThan(0);
    const [t] = await env.ctx.db.query<any>(
      sql('select window_start, window_end from visit_tasks where id = $1'),
      [police.taskId],
    );
    expect(new Date(t.window_end).getTime() - new Date(t.window_start).getTime()).toBe(12 * 3600000);
  });

  it('a weather warning for two towns opens one round for exactly the selected persons, once per warning', async () => {
    const towns = [await buildTown(env, 1), await buildTown(env, 1), await buildTown(env, 1)];
    const keyPersons: number[] = [];
    for (const [i, t] of towns.entries()) {
      const visitor = await actorClient(env, 'visitor', t.villages[0].id);
      const k = await buildPerson(env, {
        townId: t.town.id,
        villageId: t.villages[0].id,
        visitorId: visitor.id,
        selfCare: 'none',
      });
      await buildPerson(env, {
        townId: t.town.id,
        villageId: t.villages[0].id,
        visitorId: visitor.id,
        selfCare: 'capable',
      });
      if (i < 2) keyPersons.push(k.id);
    }
    const a = await makeAccount(env.districtId, ['signals.weather'], '气象局');
    const warningId = `W-${randomUUID()}`;
    const w = {
      key: randomUUID(),
      type: 'weather_warning',
      occurredAt: new Date().toISOString(),
      weatherKind: 'cold_wave',
      areaCodes: [towns[0].town.code, towns[1].town.code],
      warningId,
      description: '寒潮蓝色预警',
    };
    const r = (await send(a, [w])).json().results[0];
    expect(r.status).toBe('opened');
    const tasks = await env.ctx.db.query<{ person_id: number }>(
      sql('select person_id from visit_tasks where campaign_id = $1 order by person_id'),
      [r.campaignId],
    );
    expect(tasks.map((t) => t.person_id)).toEqual(keyPersons.sort((x, y) => x - y));
    const again = (await send(a, [{ ...w, key: randomUUID() }])).json().results[0];
    expect(again).toMatchObject({ status: 'merged', campaignId: r.campaignId });
    const [{ n }] = await env.ctx.db.query<{ n: number }>(
      sql(
        'select count(*)::int as n from visit_campaigns c join signals s on s.campaign_id = c.id where s.warning_id = $1',
      ),
      [warningId],
    );
    expect(n).toBe(2);
    expect(
      (await env.ctx.db.query(sql('select id from visit_tasks where campaign_id = $1'), [r.campaignId]))
        .length,
    ).toBe(2);
    const unknown = await send(a, [{ ...w, key: randomUUID(), areaCodes: ['999999999999'] }]);
    expect(unknown.statusCode).toBe(400);
    // The round carries the checks its weather requires (shared/signals.ts WEATHER_CHECKS): a cold wave
    // the heating ones, a rainstorm the flood ones, a heat wave none — and its tasks reach the phone with them.
    const checksOf = async (campaignId: number) =>
      (
        await env.ctx.db.query<{ checks: string[] }>(
          sql('select checks from visit_campaigns where id = $1'),
          [campaignId],
        )
      )[0].checks;
    expect(await checksOf(r.campaignId)).toEqual(['heating']);
    // 预警信息 shows what the round requires.
    const listed = (await a.admin.http.get('/api/signals?type=weather_warning&limit=100')).json();
    expect(listed.items.find((x: { id: number }) => x.id === r.signalId).campaign).toMatchObject({
      id: r.campaignId,
      checks: ['heating'],
    });
    for (const [weatherKind, checks] of [
      ['rainstorm', ['flood']],
      ['heat', []],
      ['blizzard', ['heating']],
    ] as const) {
      const o = (
        await send(a, [
          {
            ...w,
            key: randomUUID(),
            warningId: `W-${randomUUID()}`,
            weatherKind,
            areaCodes: [towns[2].town.code],
          },
        ])
      ).json().results[0];
      expect(o.status, weatherKind).toBe('opened');
      expect(await checksOf(o.campaignId), weatherKind).toEqual(checks);
    }
    const [audit] = await env.ctx.db.query<{ detail: { checks?: string[] } }>(
      sql(`select detail from audit_log where action = 'campaign.open' and entity_id = $1`),
      [String(r.campaignId)],
    );
    expect(audit.detail.checks).toEqual(['heating']);
  });

  it('a burst of 1,000 signals for 100 persons makes one task per person', async () => {
    const { town, villages } = await buildTown(env);
    const visitor = await actorClient(env, 'visitor', villages[0].id);
    const persons: { id: number; idNumber: string }[] = [];
    for (let i = 0; i < 100; i++)
      persons.push(
        await buildPerson(env, { townId: town.id, villageId: villages[i % 2].id, visitorId: visitor.id }),
      );
    const a = await makeAccount(town.id);
    const batch = Array.from({ length: 1000 }, (_, i) => meter(persons[i % 100].idNumber, `b-${i}`));
    const t0 = Date.now();
    const res = await send(a, batch);
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    const out = res.json().results;
    expect(out.filter((x: any) => x.status === 'opened').length).toBe(100);
    expect(out.filter((x: any) => x.status === 'merged').length).toBe(900);
    const [{ n }] = await env.ctx.db.query<{ n: number }>(
      sql(
        `select count(*)::int as n from visit_tasks t join signals s on s.task_id = t.id and s.status = 'opened' where s.account_id = $1`,
      ),
      [a.id],
    );
    expect(n).toBe(100);
    // Two more batches at once, the same persons: nothing new opened.
    const more = await Promise.all(
      [0, 1].map((j) =>
        send(
          a,
          persons.slice(0, 50).map((p, i) => meter(p.idNumber, `c-${j}-${i}`)),
        ),
      ),
    );
    for (const m of more) expect(m.json().results.every((x: any) => x.status === 'merged')).toBe(true);
    console.log(`1,000-signal batch: ${Date.now() - t0} ms`);
  }, 120_000);

  it('answers bad input with 400 in Chinese', async () => {
    const { town } = await townWithPerson();
    const a = await makeAccount(town.id);
    const r1 = await send(a, [{ key: 'x', type: 'nonsense', occurredAt: 'yesterday' }]);
    expect(r1.statusCode).toBe(400);
    const r2 = await send(a, [{ key: 'x', type: 'meter_silent', occurredAt: new Date().toISOString() }]);
    expect(r2.statusCode).toBe(400);
    expect(r2.json().message).toContain('身份证');
    const r3 = await send(a, null, { raw: '{not json' });
    expect(r3.statusCode).toBe(400);
    const r4 = await send(
      a,
      Array.from({ length: 1001 }, (_, i) => meter(freshIdNumber(), `k${i}`)),
    );
    expect([400, 413]).toContain(r4.statusCode);
  });
});

describe('a department file of signals', () => {
  it('takes .csv (GB18030 too) and .xlsx rows through the same rules; bad rows rejected with the column; a second upload stores nothing new', async () => {
    const { town, person } = await townWithPerson();
    const a = await makeAccount(town.id);
    const officer = await actorClient(env, 'town_officer', town.id);
    const upload = (content: Buffer, name: string, accountId = a.id) => {
      const m = multipartFile(content, name);
      return env.app.inject({
        method: 'POST',
        url: `/api/signals/import?accountId=${accountId}`,
        payload: m.payload,
        headers: { ...m.headers, authorization: `Bearer ${officer.token}` },
      });
    };
    const csv = [
      '预警类型,发生时间,身份证号码,来源,说明',
      `出院,2026-03-10 09:30,${person.idNumber},区人民医院,"肺炎好转，出院"`,
      `水电表无用量（独居告警）,2026/3/10 8:00,${freshIdNumber()},供水公司,水表无用水`,
      `不存在的类型,2026-03-10,${person.idNumber},x,y`,
      `住院,2026-03-10,=cmd|' /C calc'!A0,x,y`,
    ].join('\r\n');
    const first = await upload(Buffer.from(new TextEncoder().encode(csv)), 'signals.csv');
    expect(first.statusCode, first.body).toBe(200);
    const r = first.json();
    expect(r.rows).toBe(4);
    expect(r.results.map((x: any) => x.status)).toEqual(['opened', 'unmatched']);
    expect(r.rejected.map((x: any) => [x.row, x.column])).toEqual([
      [4, '预警类型'],
      [5, '身份证号码'],
    ]);
    const again = (await upload(Buffer.from(csv), 'signals.csv')).json();
    expect(again.results).toEqual(r.results);
    expect((await signalsOf(a.id)).length).toBe(2);

    // Excel's 中文 CSV is GB18030; and an .xlsx with a date cell.
    const gbk = Buffer.concat([
      Buffer.from('d4a4beafc0e0d0cd2cc9edb7ddd6a4bac5c2eb2cc3ddb5c8bcfc0d0a', 'hex'),
      Buffer.from('d7a1d4ba2c', 'hex'),
      Buffer.from(person.idNumber),
      Buffer.from('2c67626b2d310d0a', 'hex'),
    ]);
    const g = await upload(gbk, 'gbk.csv');
    expect(g.statusCode, g.body).toBe(200);
    expect(g.json().results[0]).toMatchObject({ key: 'gbk-1', status: 'opened' });
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('预警');
    ws.addRow(['预警类型', '发生时间', '身份证号码', '幂等键']);
    ws.addRow(['公安警情', new Date(Date.UTC(2026, 2, 10, 9, 0)), person.idNumber, 'police-1']);
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
    const x = await upload(xlsx, 'signals.xlsx');
    expect(x.statusCode, x.body).toBe(200);
    expect(x.json().results[0]).toMatchObject({ key: 'police-1', status: 'opened' });
    const [{ occurred_at }] = await env.ctx.db.query<{ occurred_at: Date }>(
      sql(`select occurred_at from signals where account_id = $1 and key = 'police-1'`),
      [a.id],
    );
    expect(new Date(occurred_at).toISOString()).toBe('2026-03-10T01:00:00.000Z');

    // Another town's officer cannot use this account; a visitor cannot upload at all.
    const other = await buildTown(env);
    const stranger = await actorClient(env, 'town_officer', other.town.id);
    const m = multipartFile(Buffer.from(csv), 'signals.csv');
    const res = await env.app.inject({
      method: 'POST',
      url: `/api/signals/import?accountId=${a.id}`,
      payload: m.payload,
      headers: { ...m.headers, authorization: `Bearer ${stranger.token}` },
    });
    expect(res.statusCode).toBe(404);
    const noHeader = await upload(Buffer.from('a,b\n1,2'), 'x.csv');
    expect(noHeader.statusCode).toBe(400);
    expect(noHeader.json().message).toContain('预警类型');
  });
});

describe('the machines’ file door (POST /api/signals/file)', () => {
  /** A file signed over timestamp + "." + its bytes, as a department's system sends it. */
  function signedFile(
    a: Account,
    content: Buffer,
    o: { ts?: number; secret?: string; type?: string; filename?: string; sent?: Buffer } = {},
  ) {
    const ts = String(o.ts ?? Math.floor(env.ctx.clock.now().getTime() / 1000));
    const sig = createHmac('sha256', o.secret ?? a.secret)
      .update(`${ts}.`)
      .update(content)
      .digest('hex');
    return env.app.inject({
      method: 'POST',
      url: '/api/signals/file',
      payload: o.sent ?? content,
      headers: {
        'content-type': o.type ?? 'text/csv',
        authorization: `Bearer ${a.token}`,
        'x-tanfang-timestamp': ts,
        'x-tanfang-signature': `sha256=${sig}`,
        ...(o.filename ? { 'x-tanfang-filename': encodeURIComponent(o.filename) } : {}),
      },
    });
  }
  const fileAudits = (accountId: number) =>
    env.ctx.db.query<{ action: string; detail: any; actor_id: number | null }>(
      sql(
        `select action, detail, actor_id from audit_log where entity = 'service_account' and entity_id = $1
          and action = 'signals.submit' and detail ? 'file' order by id`,
      ),
      [String(accountId)],
    );

  it('takes a signed .csv (UTF-8 and GB18030) and .xlsx; the same file twice stores nothing new and answers the stored result', async () => {
    const { town, person } = await townWithPerson();
    const a = await makeAccount(town.id, ['signals.submit'], '区卫健委（文件）');
    const csv = Buffer.from(
      [
        '预警类型,发生时间,身份证号码,来源,说明',
        `出院,2026-03-10 09:30,${person.idNumber},区人民医院,"肺炎好转，出院"`,
        `水电表无用量（独居告警）,2026/3/10 8:00,${freshIdNumber()},供水公司,水表无用水`,
        `不存在的类型,2026-03-10,${person.idNumber},x,y`,
      ].join('\r\n'),
    );
    const first = await signedFile(a, csv, { filename: '出院名单.csv' });
    expect(first.statusCode, first.body).toBe(200);
    const r = first.json();
    expect(r).toMatchObject({
      account: { id: a.id, name: '区卫健委（文件）' },
      rows: 3,
      counts: { opened: 1, unmatched: 1 },
      rejectedCount: 1,
      repeated: false,
      file: { name: '出院名单.csv', bytes: csv.length },
    });
    expect(r.file.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.results.map((x: any) => [x.status, x.reason])).toEqual([
      ['opened', null],
      ['unmatched', 'unknown_id'],
    ]);
    expect(r.results[0].taskId).toBeGreaterThan(0);
    expect(r.rejected).toEqual([{ row: 4, column: '预警类型', message: expect.any(String) }]);
    expect((await signalsOf(a.id)).length).toBe(2);

    // The same bytes again (a retry after a lost answer): the stored answer, nothing new.
    const again = await signedFile(a, csv);
    expect(again.statusCode, again.body).toBe(200);
    // The answer is the first one's (its time too); `file` is the call's own (no name sent this time).
    const { repeated, file, ...rest } = again.json();
    expect(repeated).toBe(true);
    expect(file).toEqual({ sha256: r.file.sha256, name: null, bytes: csv.length });
    const { repeated: _r, file: _f, ...firstRest } = r;
    expect(rest).toEqual(firstRest);
    expect((await signalsOf(a.id)).length).toBe(2);
    const [{ n: tasks }] = await env.ctx.db.query<{ n: number }>(
      sql('select count(*)::int as n from visit_tasks where person_id = $1 and kind = $2'),
      [person.id, 'follow_up'],
    );
    expect(tasks).toBe(1);
    // Both calls audited under the account (no user), the repeat said so.
    const audits = await fileAudits(a.id);
    expect(audits.every((x) => x.actor_id === null)).toBe(true);
    expect(audits.map((x) => x.detail.repeated ?? false)).toEqual([false, false, true]);
    expect(audits.filter((x) => !x.detail.repeated).map((x) => x.detail.file)).toEqual([
      r.file.sha256,
      r.file.sha256,
    ]);
    expect(audits[1].detail).toMatchObject({ filename: '出院名单.csv', rows: 3, rejected: 1 });

    // Excel's 中文 CSV is GB18030: 幂等键,预警类型,身份证号码 / gbk-f1,住院,<id>.
    const gbk = Buffer.concat([
      Buffer.from('c3ddb5c8bcfc2cd4a4beafc0e0d0cd2cc9edb7ddd6a4bac5c2eb0d0a', 'hex'),
      Buffer.from('67626b2d66312cd7a1d4ba2c', 'hex'),
      Buffer.from(person.idNumber),
      Buffer.from('0d0a', 'hex'),
    ]);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(gbk)).toThrow();
    const g = await signedFile(a, gbk, { type: 'text/csv; charset=gb18030' });
    expect(g.statusCode, g.body).toBe(200);
    expect(g.json().results).toMatchObject([{ key: 'gbk-f1', status: 'opened' }]);
    const [{ type }] = await env.ctx.db.query<{ type: string }>(
      sql(`select type from signals where account_id = $1 and key = 'gbk-f1'`),
      [a.id],
    );
    expect(type).toBe('hospital_admission');

    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('预警');
    ws.addRow(['预警类型', '发生时间', '身份证号码', '幂等键']);
    ws.addRow(['公安警情', new Date(Date.UTC(2026, 2, 10, 9, 0)), person.idNumber, 'police-f1']);
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
    const x = await signedFile(a, xlsx, {
      type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    });
    expect(x.statusCode, x.body).toBe(200);
    expect(x.json().results).toMatchObject([{ key: 'police-f1', status: 'opened' }]);
    const o = await signedFile(a, xlsx, { type: 'application/octet-stream' });
    expect(o.json()).toMatchObject({ repeated: true, results: [{ key: 'police-f1', status: 'opened' }] });
  });

  it('refuses a bad signature, an old timestamp, a tampered file and a person’s login; audited, nothing stored', async () => {
    const { town, person } = await townWithPerson();
    const a = await makeAccount(town.id);
    const csv = Buffer.from(`预警类型,身份证号码\r\n住院,${person.idNumber}\r\n`);
    const bad = await signedFile(a, csv, { secret: 'wrong' });
    expect([bad.statusCode, bad.json().message]).toEqual([401, '签名错误（X-Tanfang-Signature）']);
    const old = await signedFile(a, csv, { ts: Math.floor(Date.now() / 1000) - 301 });
    expect(old.statusCode).toBe(401);
    expect(old.json().message).toContain('防重放');
    // Signed over one file, another sent.
    const tampered = await signedFile(a, csv, {
      sent: Buffer.from(`预警类型,身份证号码\r\n住院,${freshIdNumber()}\r\n`),
    });
    expect(tampered.statusCode).toBe(401);
    expect((await refusals(a.id)).map((x) => x.detail.reason)).toEqual(['signature', 'stale', 'signature']);
    const officer = await actorClient(env, 'town_officer', town.id);
    const session = await env.app.inject({
      method: 'POST',
      url: '/api/signals/file',
      payload: csv,
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${officer.token}` },
    });
    expect(session.statusCode).toBe(401);
    expect(await signalsOf(a.id)).toEqual([]);
    expect(await env.ctx.db.query(sql('select 1 from signal_files where account_id = $1'), [a.id])).toEqual(
      [],
    );
  });

  it('another area’s person or a type without the permission refuses the whole file (403, audited, nothing stored)', async () => {
    const { town, person } = await townWithPerson();
    const other = await townWithPerson();
    const a = await makeAccount(town.id);
    // Row 2 is this town's, row 3 another town's: neither is stored.
    const csv = Buffer.from(
      `预警类型,身份证号码\r\n住院,${person.idNumber}\r\n住院,${other.person.idNumber}\r\n`,
    );
    const res = await signedFile(a, csv);
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json().message).toContain('不在本服务账号的辖区内');
    expect(await signalsOf(a.id)).toEqual([]);
    expect((await refusals(a.id)).map((x) => x.detail.reason)).toEqual(['area']);

    // A weather-only account sending persons' signals.
    const w = await makeAccount(town.id, ['signals.weather'], '气象局（文件）');
    const denied = await signedFile(w, Buffer.from(`预警类型,身份证号码\r\n住院,${person.idNumber}\r\n`));
    expect(denied.statusCode).toBe(403);
    expect(denied.json().message).toContain('signals.submit');
    expect((await refusals(w.id)).map((x) => [x.detail.reason, x.detail.type])).toEqual([
      ['permission', 'hospital_admission'],
    ]);
    expect(await signalsOf(w.id)).toEqual([]);
    // A revoked account is refused before anything is read.
    const revoke = await a.admin.http.post(`/api/service-accounts/${a.id}/revoke`, { reason: '测试' });
    expect(revoke.statusCode).toBe(200);
    expect((await signedFile(a, csv)).statusCode).toBe(401);
  });

  it('holds the officer upload’s limits: 5 MB, 5,000 rows; a body that is not a file is refused', async () => {
    const { town } = await townWithPerson();
    const a = await makeAccount(town.id);
    const big = Buffer.alloc(5 * 1024 * 1024 + 1, 0x41);
    const tooBig = await signedFile(a, big);
    expect(tooBig.statusCode).toBe(413);
    const rows = [`预警类型,身份证号码`];
    for (let i = 0; i < 5001; i++) rows.push(`住院,${freshIdNumber()}`);
    const many = await signedFile(a, Buffer.from(rows.join('\n')));
    expect([many.statusCode, many.json().field]).toEqual([400, 'file']);
    expect(many.json().message).toContain('5000 行');
    expect(await signalsOf(a.id)).toEqual([]);
    const plain = await signedFile(a, Buffer.from('预警类型\n住院'), { type: 'text/plain' });
    expect(plain.statusCode).toBe(415);
    const noHeader = await signedFile(a, Buffer.from('a,b\n1,2'));
    expect([noHeader.statusCode, noHeader.json().field]).toEqual([400, 'file']);
    const notXlsx = await signedFile(a, Buffer.from('PK\u0003\u0004 not a zip'), {
      type: 'application/octet-stream',
    });
    expect(notXlsx.statusCode).toBe(400);
  });
});
