import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../../test/context.js';
import { actorClient, buildPerson, buildTown } from '../../../../test/factories.js';
import { type Clock, createClock } from '../../clock.js';

let env: TestEnv;
let savedClock: Clock;
const T0 = '2026-03-10T09:00:00+08:00';

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

async function world() {
  const { town, villages } = await buildTown(env);
  const officer = await actorClient(env, 'town_officer', town.id);
  const visitor = await actorClient(env, 'visitor', villages[0].id);
  const supervisor = await actorClient(env, 'bureau_supervisor', env.districtId);
  const police = await actorClient(env, 'department_liaison', env.districtId, { department: 'police' });
  const other = await actorClient(env, 'town_officer', (await buildTown(env)).town.id);
  const person = await buildPerson(env, {
    townId: town.id,
    villageId: villages[0].id,
    visitorId: visitor.id,
  });
  const inc = (
    await officer.http.post('/api/incidents', { personId: person.id, type: 'missing', description: '走失' })
  ).json();
  return { officer, visitor, supervisor, police, other, inc };
}

describe('closing an incident (issue 25)', () => {
  it('needs an outcome, and every party that never acknowledged named in an override with a reason', async () => {
    const w = await world();
    const url = `/api/incidents/${w.inc.id}/close`;
    expect(w.inc.parties.map((p: any) => p.party).sort()).toEqual(['bureau', 'dept:police', 'town']);
    await w.officer.http.post(`/api/incidents/${w.inc.id}/acknowledge`, {});

    // One click with an outcome is no longer enough: 公安 and 区民政局 never acknowledged.
    const plain = await w.officer.http.post(url, { outcome: '已找到' });
    expect(plain.statusCode).toBe(409);
    expect(plain.json()).toMatchObject({ field: 'override' });
    expect(plain.json().message).toContain('区民政局');
    expect(plain.json().message).toContain('公安');
    // Naming only some of them is not enough either; a reason is required.
    const partial = await w.officer.http.post(url, {
      outcome: '已找到',
      override: { parties: ['bureau'], reason: '已电话告知' },
    });
    expect(partial.statusCode).toBe(409);
    expect(partial.json().message).toContain('公安');
    expect(partial.json().message).not.toContain('区民政局');
    const noReason = await w.officer.http.post(url, {
      outcome: '已找到',
      override: { parties: ['bureau', 'dept:police'], reason: '  ' },
    });
    expect(noReason.statusCode).toBe(400);
    // Nobody else closes it: a visitor has no right, another town does not see it.
    const override = { parties: ['bureau', 'dept:police'], reason: '人已找到，派出所电话告知' };
    expect((await w.visitor.http.post(url, { outcome: '已找到', override })).statusCode).toBe(403);
    expect((await w.other.http.post(url, { outcome: '已找到', override })).statusCode).toBe(404);
    let d = (await w.officer.http.get(`/api/incidents/${w.inc.id}`)).json();
    expect(d.status).toBe('open');
    expect(d.actions.some((a: any) => a.kind === 'override' || a.kind === 'closed')).toBe(false);

    const closed = await w.officer.http.post(url, { outcome: '已在亲属家找到，安全', override });
    expect(closed.statusCode).toBe(200);
    d = closed.json();
    expect(d).toMatchObject({ status: 'closed', outcome: '已在亲属家找到，安全' });
    const kinds = d.actions.map((a: any) => a.kind);
    expect(kinds.slice(-2)).toEqual(['override', 'closed']);
    const o = d.actions.find((a: any) => a.kind === 'override');
    expect(o.note).toContain('区民政局');
    expect(o.note).toContain('公安');
    expect(o.note).toContain('人已找到，派出所电话告知');
    expect(o.actor).toBeTruthy();
  });

  it('closes without an override once every party acknowledged', async () => {
    const w = await world();
    for (const c of [w.officer, w.supervisor, w.police])
      expect((await c.http.post(`/api/incidents/${w.inc.id}/acknowledge`, {})).statusCode).toBe(200);
    const closed = await w.officer.http.post(`/api/incidents/${w.inc.id}/close`, { outcome: '已找到' });
    expect(closed.statusCode).toBe(200);
    expect(closed.json().actions.some((a: any) => a.kind === 'override')).toBe(false);
  });
});
