import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { recordVisitWith as record } from '../../../../test/case-helpers.js';
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
  const person = await buildPerson(env, {
    townId: town.id,
    villageId: villages[0].id,
    visitorId: visitor.id,
  });
  return { town, villages, officer, visitor, person };
}

describe('referrals', () => {
  it('a visit wishing centralized support drafts a referral; the town confirms; completion ends dispersed support', async () => {
    const w = await world();
    const insurance = await actorClient(env, 'department_liaison', env.districtId, {
      department: 'medical_insurance',
    });
    await record(env, w.visitor, w.person.id, {
      answers: (a) => {
        a.K = {
          wantsCentralized: { value: 'yes', note: '独居行动不便，愿意去敬老院' },
          noCaregiver: { value: 'no' },
        };
        a.L = { eligibility: { value: ['medical'], note: '住院自付部分较多' } };
      },
    });
    const drafts = (await w.officer.http.get(`/api/referrals?personId=${w.person.id}&status=draft`)).json();
    expect(drafts.items.map((r: any) => r.target).sort()).toEqual(['centralized', 'special_medical']);
    const medical = drafts.items.find((r: any) => r.target === 'special_medical');
    const centralized = drafts.items.find((r: any) => r.target === 'centralized');
    expect(medical).toMatchObject({ department: 'medical_insurance', source: 'visit' });
    expect(centralized.reason).toContain('愿意去敬老院');
    // The department does not see the town's unconfirmed drafts.
    expect((await insurance.http.get(`/api/referrals/${medical.id}`)).statusCode).toBe(404);

    // Confirming sends it to the department, which is told.
    const sent = await w.officer.http.patch(`/api/referrals/${medical.id}`, {
      version: medical.version,
      status: 'pending',
    });
    expect(sent.json().status).toBe('pending');
    const seen = await insurance.http.get(`/api/referrals/${medical.id}`);
    expect(seen.statusCode).toBe(200);
    expect(seen.json().person).toMatchObject({ id: w.person.id });
    expect(seen.json().person.idNumberMasked).toMatch(/\*/);
    const note = (await insurance.http.get('/api/inbox'))
      .json()
      .items.find((n: any) => n.ref?.entity === 'referral' && n.ref.id === String(medical.id));
    expect(note.title).toContain('新的转介');
    // The department answers; the town cannot answer for it, nor jump states.
    expect(
      (
        await w.officer.http.patch(`/api/referrals/${medical.id}`, {
          version: seen.json().version,
          status: 'accepted',
        })
      ).statusCode,
    ).toBe(403);
    const noReason = await insurance.http.patch(`/api/referrals/${medical.id}`, {
      version: seen.json().version,
      status: 'rejected',
    });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().field).toBe('response');
    const accepted = await insurance.http.patch(`/api/referrals/${medical.id}`, {
      version: seen.json().version,
      status: 'accepted',
      response: '已受理，待审核票据',
    });
    expect(accepted.json()).toMatchObject({ status: 'accepted', response: '已受理，待审核票据' });
    expect(
      (
        await insurance.http.patch(`/api/referrals/${medical.id}`, {
          version: accepted.json().version,
          status: 'withdrawn',
        })
      ).statusCode,
    ).toBe(403);

    // Centralized support has no department: the town confirms, accepts and completes it.
    let c = (
      await w.officer.http.patch(`/api/referrals/${centralized.id}`, {
        version: centralized.version,
        status: 'pending',
        institution: '东胜区社会福利院',
      })
    ).json();
    const jump = await w.officer.http.patch(`/api/referrals/${centralized.id}`, {
      version: c.version,
      status: 'completed',
    });
    expect(jump.statusCode).toBe(409);
    expect(jump.json().message).toContain('不能从「待接收」变为「已完成」');
    expect((await w.officer.http.get(`/api/referrals/${centralized.id}`)).json().status).toBe('pending');
    c = (
      await w.officer.http.patch(`/api/referrals/${centralized.id}`, {
        version: c.version,
        status: 'accepted',
      })
    ).json();
    const file0 = (await w.officer.http.get(`/api/persons/${w.person.id}`)).json();
    expect(file0.status).toBe('active');
    c = (
      await w.officer.http.patch(`/api/referrals/${centralized.id}`, {
        version: c.version,
        status: 'completed',
      })
    ).json();
    expect(c.status).toBe('completed');
    const file = (await w.officer.http.get(`/api/persons/${w.person.id}`)).json();
    expect(file).toMatchObject({
      status: 'ended',
      endReason: 'centralized_support',
      statusSince: '2026-03-10',
    });
    // Final states stay final.
    expect(
      (
        await w.officer.http.patch(`/api/referrals/${centralized.id}`, {
          version: c.version,
          status: 'withdrawn',
        })
      ).statusCode,
    ).toBe(409);
  });

  it('a 卫健 liaison reads only referrals to 卫健, never a 公安 one, and no person file at all', async () => {
    const w = await world();
    const other = await buildPerson(env, { townId: w.town.id, villageId: w.villages[1].id });
    const health = await actorClient(env, 'department_liaison', env.districtId, { department: 'health' });
    const police = await actorClient(env, 'department_liaison', env.districtId, { department: 'police' });
    const toHealth = (
      await w.officer.http.post('/api/referrals', {
        personId: w.person.id,
        target: 'medical_institution',
        reason: '疑似精神疾病，需要专科诊治',
      })
    ).json();
    expect(toHealth).toMatchObject({ department: 'health', status: 'pending' });
    const toPolice = (
      await w.officer.http.post('/api/referrals', {
        personId: other.id,
        target: 'temporary',
        department: 'police',
        reason: '疑似遭受侵害，请协助',
      })
    ).json();
    expect(toPolice.department).toBe('police');

    expect((await health.http.get(`/api/referrals/${toHealth.id}`)).statusCode).toBe(200);
    expect((await health.http.get(`/api/referrals/${toPolice.id}`)).statusCode).toBe(404);
    expect(
      (
        await health.http.patch(`/api/referrals/${toPolice.id}`, {
          version: toPolice.version,
          status: 'accepted',
        })
      ).statusCode,
    ).toBe(404);
    const list = (await health.http.get('/api/referrals?pageSize=200')).json();
    expect(list.items.every((r: any) => r.department === 'health')).toBe(true);
    expect(list.items.some((r: any) => r.id === toHealth.id)).toBe(true);
    expect((await police.http.get(`/api/referrals/${toPolice.id}`)).statusCode).toBe(200);
    expect((await police.http.get(`/api/referrals/${toHealth.id}`)).statusCode).toBe(404);
    // Person files stay closed to liaisons: neither the referred person nor anyone else.
    expect((await health.http.get(`/api/persons/${w.person.id}`)).statusCode).toBe(403);
    expect((await health.http.get(`/api/persons/${other.id}`)).statusCode).toBe(403);
    expect((await health.http.get('/api/persons')).statusCode).toBe(403);
    // Nor incidents of other departments, nor concerns.
    expect((await health.http.get('/api/concerns')).statusCode).toBe(403);
    // A liaison cannot start a referral.
    expect(
      (await health.http.post('/api/referrals', { personId: w.person.id, target: 'temporary', reason: 'x' }))
        .statusCode,
    ).toBe(403);
  });
});
