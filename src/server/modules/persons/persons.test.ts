import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { type TestEnv, testEnv } from '../../../../test/context.js';
import { actorClient, buildPerson, buildTown, buildUser, freshIdNumber } from '../../../../test/factories.js';
import { chinaDate } from '../../../shared/china-time.js';
import { checkDigit, parseIdNumber } from '../../../shared/id-card.js';
import { deriveSelfCare, type SelfCareIndicators, tierOf } from '../../../shared/person.js';
import { sql } from '../../db/sql.js';
import type { PersonListener } from './hooks.js';
import { changePersonStatus } from './service.js';

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});

const ALL_MET: SelfCareIndicators = {
  eating: true,
  dressing: true,
  transfer: true,
  toileting: true,
  walking: true,
  bathing: true,
};

async function setup() {
  const { town, villages } = await buildTown(env, 2);
  const officer = await actorClient(env, 'town_officer', town.id);
  const visitor = await actorClient(env, 'visitor', villages[0].id);
  return { town, villages, officer, visitor };
}

const newPerson = (villageId: number, extra: Record<string, unknown> = {}) => ({
  name: `对象${Math.floor(Math.random() * 1e6)}`,
  idNumber: freshIdNumber(),
  villageId,
  supportStart: '2021-03-01',
  selfCare: 'capable',
  ...extra,
});

describe('ID numbers (GB 11643)', () => {
  it('accepts a valid number and derives birth date and sex; normalises full-width and lower-case x', () => {
    const first17 = '15060219500101122';
    const v = first17 + checkDigit(first17);
    expect(parseIdNumber(v)).toMatchObject({ ok: true, birthDate: '1950-01-01', sex: 'female' });
    const fw = v.replace(/\d/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
    expect(parseIdNumber(` ${fw} `)).toMatchObject({ ok: true, value: v });
    const withX = '15060219500101107';
    expect(checkDigit(withX)).toBe('X');
    expect(parseIdNumber(`${withX}x`)).toMatchObject({ ok: true, value: `${withX}X`, sex: 'male' });
  });

  it('rejects a wrong check digit, an impossible birth date and a 15-digit old number, each with its own message', async () => {
    const { villages, officer } = await setup();
    const good = freshIdNumber();
    const wrong = good.slice(0, 17) + (good[17] === '1' ? '2' : '1');
    const r1 = await officer.http.post('/api/persons', newPerson(villages[0].id, { idNumber: wrong }));
    expect(r1.statusCode).toBe(400);
    expect(r1.json()).toMatchObject({ field: 'idNumber', message: expect.stringContaining('校验位') });
    const bad17 = '15060219500231123';
    const r2 = await officer.http.post(
      '/api/persons',
      newPerson(villages[0].id, { idNumber: bad17 + checkDigit(bad17) }),
    );
    expect(r2.json().message).toContain('1950-02-31 不存在');
    const r3 = await officer.http.post(
      '/api/persons',
      newPerson(villages[0].id, { idNumber: '150602500101123' }),
    );
    expect(r3.statusCode).toBe(400);
    expect(r3.json().message).toContain('15 位旧身份证号码');
  });
});

describe('person file', () => {
  it('creates a file with birth date and sex from the ID number, masked in the list, with a timeline', async () => {
    const { villages, officer, visitor } = await setup();
    const idNumber = freshIdNumber('1940-02-03', 'male');
    const res = await officer.http.post(
      '/api/persons',
      newPerson(villages[0].id, {
        idNumber,
        phone: '139 1234 5678',
        flags: ['lives_alone'],
        visitorId: visitor.id,
        indicators: { ...ALL_MET, bathing: false },
      }),
    );
    expect(res.statusCode).toBe(201);
    const p = res.json();
    expect(p).toMatchObject({
      birthDate: '1940-02-03',
      sex: 'male',
      selfCare: 'partial',
      tier: 'key',
      visitorId: visitor.id,
      phoneMasked: '139****5678',
      idNumberMasked: `${idNumber.slice(0, 6)}********${idNumber.slice(14)}`,
    });
    expect(p.flags).toEqual(['aged_80', 'lives_alone']);
    expect(JSON.stringify(p)).not.toContain(idNumber);
    expect(p.assessments).toHaveLength(1);
    expect(p.assignments[0]).toMatchObject({ visitorId: visitor.id, kind: 'responsible', toAt: null });
    const list = await officer.http.get(`/api/persons?areaId=${villages[0].id}`);
    expect(list.json().items.map((i: { id: number }) => i.id)).toEqual([p.id]);
    expect(list.body).not.toContain(idNumber);
    const tl = await officer.http.get(`/api/persons/${p.id}/timeline`);
    expect(tl.json().items[0].title).toContain('建档');
    // The ciphertext at rest is not the number.
    const [row] = await env.ctx.db.query(sql('select id_number_enc from persons where id = $1'), [p.id]);
    expect(row.id_number_enc).not.toContain(idNumber.slice(0, 10));
  });

  it('refuses a second live file for the same ID number, and warns on same name and birth date', async () => {
    const { villages, officer } = await setup();
    const body = newPerson(villages[0].id, { idNumber: freshIdNumber('1951-07-07'), name: '重复测试甲' });
    expect((await officer.http.post('/api/persons', body)).statusCode).toBe(201);
    const dup = await officer.http.post('/api/persons', { ...body, name: '另一个名字' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ code: 'DUPLICATE_ID_NUMBER', field: 'idNumber' });
    const similar = { ...body, idNumber: freshIdNumber('1951-07-07') };
    const warn = await officer.http.post('/api/persons', similar);
    expect(warn.statusCode).toBe(409);
    expect(warn.json().code).toBe('POSSIBLE_DUPLICATE');
    expect(warn.json().message).toContain('重复测试甲');
    expect((await officer.http.post('/api/persons', { ...similar, allowSimilar: true })).statusCode).toBe(
      201,
    );
  });

  it('answers 409 to an edit with a stale version and keeps the first edit', async () => {
    const { villages, officer } = await setup();
    const p = (await officer.http.post('/api/persons', newPerson(villages[0].id))).json();
    const a = await officer.http.patch(`/api/persons/${p.id}`, {
      version: p.version,
      currentAddress: '新地址一',
    });
    expect(a.statusCode).toBe(200);
    expect(a.json().version).toBe(p.version + 1);
    const b = await officer.http.patch(`/api/persons/${p.id}`, {
      version: p.version,
      currentAddress: '新地址二',
    });
    expect(b.statusCode).toBe(409);
    expect((await officer.http.get(`/api/persons/${p.id}`)).json().currentAddress).toBe('新地址一');
  });

  it('derives level and tier from the six indicators; an older assessment does not override the current level', async () => {
    expect(deriveSelfCare(ALL_MET)).toBe('capable');
    expect(deriveSelfCare({ ...ALL_MET, eating: false, dressing: false, transfer: false })).toBe('partial');
    expect(
      deriveSelfCare({ ...ALL_MET, eating: false, dressing: false, transfer: false, bathing: false }),
    ).toBe('none');
    expect(tierOf('partial')).toBe('key');
    const { villages, officer } = await setup();
    const p = (await officer.http.post('/api/persons', newPerson(villages[0].id))).json();
    expect(p.tier).toBe('general');
    const today = chinaDate(env.ctx.clock.now());
    const a = await officer.http.post(`/api/persons/${p.id}/assessments`, {
      assessedOn: today,
      indicators: { ...ALL_MET, walking: false, bathing: false, toileting: false, transfer: false },
    });
    expect(a.statusCode).toBe(201);
    expect(a.json()).toMatchObject({ level: 'none', tier: 'key', current: true });
    const old = await officer.http.post(`/api/persons/${p.id}/assessments`, {
      assessedOn: '2021-06-01',
      indicators: ALL_MET,
    });
    expect(old.json().current).toBe(false);
    const after = (await officer.http.get(`/api/persons/${p.id}`)).json();
    expect(after).toMatchObject({ selfCare: 'none', tier: 'key' });
    expect(after.assessments).toHaveLength(3);
    const future = await officer.http.post(`/api/persons/${p.id}/assessments`, {
      assessedOn: '2999-01-01',
      indicators: ALL_MET,
    });
    expect(future.statusCode).toBe(400);
  });
});

describe('scope and masking per role', () => {
  it('hides persons of other towns (404) and shows a visitor only their own persons', async () => {
    const a = await setup();
    const b = await setup();
    const pa = await buildPerson(env, {
      townId: a.town.id,
      villageId: a.villages[0].id,
      visitorId: a.visitor.id,
    });
    const pa2 = await buildPerson(env, { townId: a.town.id, villageId: a.villages[1].id });
    expect((await b.officer.http.get(`/api/persons/${pa.id}`)).statusCode).toBe(404);
    expect((await b.officer.http.get(`/api/persons/${pa.id}/timeline`)).statusCode).toBe(404);
    // A view is audited; a refused one answers nothing and leaves no view row.
    const views = async (userId: number) =>
      (
        await env.ctx.db.query<{ n: number }>(
          sql(
            `select count(*)::int as n from audit_log where action = 'person.view' and entity_id = $1 and actor_id = $2`,
          ),
          [String(pa.id), userId],
        )
      )[0].n;
    expect(await views(b.officer.id)).toBe(0);
    expect((await a.officer.http.get(`/api/persons/${pa.id}`)).statusCode).toBe(200);
    expect(await views(a.officer.id)).toBe(1);
    expect((await b.officer.http.get(`/api/persons?areaId=${a.town.id}`)).json().items).toEqual([]);
    const mine = (await a.visitor.http.get('/api/persons')).json().items.map((i: { id: number }) => i.id);
    expect(mine).toEqual([pa.id]);
    expect((await a.visitor.http.get(`/api/persons/${pa2.id}`)).statusCode).toBe(404);
    // Visitors read but do not write.
    expect((await a.visitor.http.patch(`/api/persons/${pa.id}`, { version: 1, note: 'x' })).statusCode).toBe(
      403,
    );
  });

  it('reveals the full ID number to the officer (audited), the phone to the own visitor, nothing to the supervisor', async () => {
    const { town, villages, officer, visitor } = await setup();
    const idNumber = freshIdNumber();
    const p = (
      await officer.http.post(
        '/api/persons',
        newPerson(villages[0].id, { idNumber, phone: '13800001111', visitorId: visitor.id }),
      )
    ).json();
    expect(p.canRevealIdNumber).toBe(true);
    const full = await officer.http.get(`/api/persons/${p.id}/sensitive`);
    expect(full.json()).toEqual({ idNumber, phone: '13800001111' });
    const audit = await env.ctx.db.query(
      sql(`select actor_id from audit_log where action = 'person.view_sensitive' and entity_id = $1`),
      [String(p.id)],
    );
    expect(audit.map((r) => r.actor_id)).toEqual([officer.id]);
    const v = await visitor.http.get(`/api/persons/${p.id}/sensitive`);
    expect(v.json()).toEqual({ idNumber: null, phone: '13800001111' });
    expect((await visitor.http.get(`/api/persons/${p.id}`)).json().canRevealIdNumber).toBe(false);
    const sup = await actorClient(env, 'bureau_supervisor', env.districtId);
    expect((await sup.http.get(`/api/persons/${p.id}`)).json().idNumberMasked).toContain('********');
    expect((await sup.http.get(`/api/persons/${p.id}/sensitive`)).statusCode).toBe(403);
    expect(town.id).toBeGreaterThan(0);
  });

  it('finds a person by the full ID number through the keyed hash, and refuses a partial number', async () => {
    const { villages, officer } = await setup();
    const idNumber = freshIdNumber('1955-05-05');
    const p = (await officer.http.post('/api/persons', newPerson(villages[0].id, { idNumber }))).json();
    const lower = idNumber.toLowerCase();
    const hit = await officer.http.get(`/api/persons?q=${encodeURIComponent(lower)}`);
    expect(hit.json().items.map((i: { id: number }) => i.id)).toEqual([p.id]);
    const partial = await officer.http.get(`/api/persons?q=${idNumber.slice(0, 16)}`);
    expect(partial.statusCode).toBe(400);
    const byName = await officer.http.get(`/api/persons?q=${encodeURIComponent(p.name)}`);
    expect(byName.json().items[0].id).toBe(p.id);
    // The last four characters — what the masked number shows anyone who may list — find it too,
    // in full-width digits as well; only inside the actor's scope.
    const tail = idNumber.slice(-4);
    const byTail = await officer.http.get(`/api/persons?q=${tail}`);
    expect(byTail.statusCode).toBe(200);
    expect(byTail.json().items.map((i: { id: number }) => i.id)).toContain(p.id);
    for (const i of byTail.json().items) expect(i.idNumberMasked.endsWith(tail)).toBe(true);
    const wide = tail.replace(/[0-9]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
    expect(
      (await officer.http.get(`/api/persons?q=${encodeURIComponent(wide)}`))
        .json()
        .items.map((i: { id: number }) => i.id),
    ).toContain(p.id);
    const other = await setup();
    expect(
      (await other.officer.http.get(`/api/persons?q=${tail}`)).json().items.map((i: { id: number }) => i.id),
    ).not.toContain(p.id);
    // Six digits are neither a tail nor a number: no match, nothing revealed.
    expect((await officer.http.get(`/api/persons?q=${idNumber.slice(-6)}`)).json().items).toEqual([]);
  });

  it('pages with a keyset cursor without gaps or repeats, and filters by tier and flag', async () => {
    const { town, villages, officer } = await setup();
    const ids: number[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push(
        (
          await buildPerson(env, {
            townId: town.id,
            villageId: villages[i % 2].id,
            selfCare: i < 3 ? 'none' : 'capable',
            birthDate: i === 0 ? '1930-01-01' : '1960-01-01',
          })
        ).id,
      );
    }
    const seen: number[] = [];
    let cursor: number | null = null;
    do {
      const res = await officer.http.get(
        `/api/persons?areaId=${town.id}&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      const body = res.json();
      seen.push(...body.items.map((i: { id: number }) => i.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids);
    const key = (await officer.http.get(`/api/persons?areaId=${town.id}&tier=key`)).json().items;
    expect(key).toHaveLength(3);
    const old = (await officer.http.get(`/api/persons?areaId=${town.id}&flags=aged_80`)).json().items;
    expect(old.map((i: { id: number }) => i.id)).toEqual([ids[0]]);
  });
});

describe('status changes', () => {
  it('pauses with reason and dates, ends with a reason (closing the assignment), and tells listeners', async () => {
    const { villages, officer, visitor } = await setup();
    const heard: string[] = [];
    const saved = env.ctx.registry;
    onTestFinished(() => {
      env.ctx.registry = saved;
    });
    const listener: PersonListener = {
      name: 'persons-test',
      statusChanged: async (_q, e) => {
        heard.push(`${e.personId}:${e.from}->${e.to}@${e.effectiveOn}`);
      },
    };
    env.ctx.registry = { ...saved, personListeners: [...saved.personListeners, listener] };
    const body = newPerson(villages[0].id, { visitorId: visitor.id });
    const p = (await officer.http.post('/api/persons', body)).json();
    const noReason = await officer.http.post(`/api/persons/${p.id}/status`, {
      version: p.version,
      status: 'paused',
    });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().field).toBe('reason');
    const paused = await officer.http.post(`/api/persons/${p.id}/status`, {
      version: p.version,
      status: 'paused',
      reason: '住院治疗',
      effectiveOn: '2024-03-01',
      until: '2024-04-30',
    });
    expect(paused.statusCode).toBe(200);
    expect(paused.json()).toMatchObject({
      status: 'paused',
      statusReason: '住院治疗',
      pausedUntil: '2024-04-30',
    });
    const ended = await officer.http.post(`/api/persons/${p.id}/status`, {
      version: paused.json().version,
      status: 'ended',
      endReason: 'death',
      effectiveOn: '2024-04-10',
    });
    expect(ended.json()).toMatchObject({ status: 'ended', endReason: 'death', visitorId: null });
    expect(ended.json().assignments.every((a: { toAt: string | null }) => a.toAt)).toBe(true);
    expect(heard).toEqual([`${p.id}:active->paused@2024-03-01`, `${p.id}:paused->ended@2024-04-10`]);
    const rows = await env.ctx.db.query(
      sql('select status, effective_on from person_status_changes where person_id = $1 order by id'),
      [p.id],
    );
    expect(rows.map((r) => `${r.status}@${r.effective_on}`)).toEqual([
      'active@2021-03-01',
      'paused@2024-03-01',
      'ended@2024-04-10',
    ]);
    // The same ID number may be filed again once the old file has ended.
    const again = await officer.http.post('/api/persons', { ...body, visitorId: null, allowSimilar: true });
    expect(again.statusCode).toBe(201);
  });

  it('rolls the status change back when a listener fails (one transaction)', async () => {
    const { town, villages } = await setup();
    const p = await buildPerson(env, { townId: town.id, villageId: villages[0].id });
    const saved = env.ctx.registry;
    onTestFinished(() => {
      env.ctx.registry = saved;
    });
    const failing: PersonListener = {
      name: 'persons-test-fail',
      statusChanged: async () => {
        throw new Error('listener failed');
      },
    };
    env.ctx.registry = { ...saved, personListeners: [...saved.personListeners, failing] };
    await expect(
      changePersonStatus(env.ctx, { actor: null, personId: p.id, status: 'paused', reason: '测试' }),
    ).rejects.toThrow('listener failed');
    const [row] = await env.ctx.db.query(sql('select status from persons where id = $1'), [p.id]);
    expect(row.status).toBe('active');
  });
});

describe('visitors and assignment', () => {
  it('lists visitors with their workload and the active persons without a visitor', async () => {
    const { town, villages, officer, visitor } = await setup();
    await buildPerson(env, {
      townId: town.id,
      villageId: villages[0].id,
      visitorId: visitor.id,
      selfCare: 'none',
    });
    await buildPerson(env, { townId: town.id, villageId: villages[0].id, visitorId: visitor.id });
    const orphan = await buildPerson(env, { townId: town.id, villageId: villages[1].id });
    const vs = (await officer.http.get(`/api/visitors?areaId=${town.id}`)).json().items;
    expect(vs).toEqual([expect.objectContaining({ id: visitor.id, activePersons: 2, keyPersons: 1 })]);
    const un = (await officer.http.get(`/api/persons?areaId=${town.id}&unassigned=true`)).json().items;
    expect(un.map((i: { id: number }) => i.id)).toEqual([orphan.id]);
  });

  it('reassigns selected persons or all of one visitor, keeps history, and refuses a visitor of another village', async () => {
    const { town, villages, officer, visitor } = await setup();
    const v2 = await buildUser(env, 'visitor', villages[0].id);
    const other = await buildUser(env, 'visitor', villages[1].id);
    const p1 = await buildPerson(env, { townId: town.id, villageId: villages[0].id, visitorId: visitor.id });
    const p2 = await buildPerson(env, { townId: town.id, villageId: villages[0].id, visitorId: visitor.id });
    const wrong = await officer.http.post('/api/persons/reassign', {
      personIds: [p1.id],
      toVisitorId: other.id,
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().field).toBe('toVisitorId');
    const all = await officer.http.post('/api/persons/reassign', {
      fromVisitorId: visitor.id,
      toVisitorId: v2.id,
    });
    expect(all.json()).toEqual({ moved: 2, unchanged: 0 });
    const f = (await officer.http.get(`/api/persons/${p1.id}`)).json();
    expect(f.visitorId).toBe(v2.id);
    expect(
      f.assignments.map((a: { visitorId: number; toAt: string | null }) => [a.visitorId, !!a.toAt]),
    ).toEqual([
      [v2.id, false],
      [visitor.id, true],
    ]);
    const tl = (await officer.http.get(`/api/persons/${p2.id}/timeline`)).json().items;
    expect(tl[0].title).toContain('探访责任人变更');
    // The old visitor no longer sees them.
    expect((await visitor.http.get('/api/persons')).json().items).toEqual([]);
    // Backups see the person too.
    const backup = await actorClient(env, 'visitor', villages[0].id);
    expect(
      (await officer.http.put(`/api/persons/${p1.id}/backups`, { visitorIds: [backup.id] })).statusCode,
    ).toBe(200);
    expect((await backup.http.get(`/api/persons/${p1.id}`)).statusCode).toBe(200);
  });

  it('refuses to retire a village that still has persons on file', async () => {
    const { town, villages } = await setup();
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    await buildPerson(env, { townId: town.id, villageId: villages[0].id });
    const res = await admin.http.patch(`/api/areas/${villages[0].id}`, {
      version: villages[0].version,
      retired: true,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('1 名');
    const empty = await admin.http.patch(`/api/areas/${villages[1].id}`, {
      version: villages[1].version,
      retired: true,
    });
    expect(empty.statusCode).toBe(200);
  });
});
