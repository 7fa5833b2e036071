import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../../test/context.js';
import { actorClient, buildPerson, buildTown, client, login } from '../../../../test/factories.js';
import { incidentAckFigures } from '../../../shared/metrics.js';
import { type Clock, createClock } from '../../clock.js';

let env: TestEnv;
let savedClock: Clock;
const T0 = '2026-03-10T09:00:00+08:00';

beforeAll(async () => {
  env = await testEnv();
  savedClock = env.ctx.clock;
  env.ctx.clock = createClock(T0);
});
afterAll(() => {
  env.ctx.clock = savedClock;
});

const at = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60000).toISOString();

describe('按时确认率: one definition on the 应急处置 page and the dashboard (issue 25)', () => {
  it('the page and the dashboard give the same figure for the same incidents', async () => {
    env.ctx.clock.set(T0);
    const { town, villages } = await buildTown(env);
    const officer = await actorClient(env, 'town_officer', town.id);
    const health = await actorClient(env, 'department_liaison', env.districtId, { department: 'health' });
    const person = () => buildPerson(env, { townId: town.id, villageId: villages[0].id });
    const open = async () =>
      (
        await officer.http.post('/api/incidents', {
          personId: (await person()).id,
          type: 'serious_illness',
          description: '发病',
        })
      ).json();
    // A: the town acknowledges at once (on time) — 卫健 never does.
    const a = await open();
    expect((await officer.http.post(`/api/incidents/${a.id}/acknowledge`, {})).statusCode).toBe(200);
    // B: nobody acknowledges (late once the deadline passes).
    await open();
    // D: only 卫健 acknowledges, after the deadline (late).
    const d = await open();
    const due = a.ackDueAt as string;
    env.ctx.clock.set(at(due, 30));
    const hs = client(env, (await login(env, health.username)).token);
    expect((await hs.post(`/api/incidents/${d.id}/acknowledge`, {})).statusCode).toBe(200);
    // C: opened just now, still inside its deadline: neither on time nor late yet.
    const os = client(env, (await login(env, officer.username)).token);
    const c = (
      await os.post('/api/incidents', {
        personId: (await person()).id,
        type: 'serious_illness',
        description: '',
      })
    ).json();
    expect(Date.parse(c.ackDueAt)).toBeGreaterThan(env.ctx.clock.now().getTime());

    const page = (await os.get('/api/incidents?status=open')).json().stats;
    const board = (await os.get(`/api/oversight/metrics?period=2026-03&areaId=${town.id}`)).json();
    // 1 on time (A) of 3 counted (A, B late, D late); C waits. The page once read 1/2 (parties that acknowledged).
    expect(page).toMatchObject({ ackOnTime: 1, ackCounted: 3 });
    expect(page.ackWithinShare).toBeCloseTo(1 / 3, 10);
    expect(board.figures.incidentAckWithin).toEqual({
      value: page.ackWithinShare,
      numerator: 1,
      denominator: 3,
    });
    // 确认用时: minutes from opening to the first acknowledgement, the same on both.
    expect(board.figures.incidentAckMedian.value).toBeCloseTo(page.medianAckMinutes, 6);
  });

  it('the rule for empty and waiting: no figure rather than 0 % or 100 %', () => {
    const now = new Date('2026-03-10T10:00:00Z');
    expect(incidentAckFigures([], now).within).toEqual({ value: null, numerator: 0, denominator: 0 });
    const waiting = {
      openedAt: '2026-03-10T09:30:00Z',
      firstAckAt: null,
      firstDueAt: '2026-03-10T11:30:00Z',
    };
    expect(incidentAckFigures([waiting], now).within.value).toBeNull();
    const late = { openedAt: '2026-03-10T07:00:00Z', firstAckAt: null, firstDueAt: '2026-03-10T09:00:00Z' };
    const onTime = {
      openedAt: '2026-03-10T07:00:00Z',
      firstAckAt: '2026-03-10T08:00:00Z',
      firstDueAt: '2026-03-10T09:00:00Z',
    };
    const f = incidentAckFigures([waiting, late, onTime], now);
    expect(f.within).toEqual({ value: 1 / 2, numerator: 1, denominator: 2 });
    expect(f.medianMinutes).toBe(60);
  });
});
