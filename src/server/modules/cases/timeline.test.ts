import { beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../../test/context.js';
import { actorClient, buildPerson, buildTown } from '../../../../test/factories.js';
import { appendTimeline, listTimeline } from './index.js';

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});

describe('the case timeline: one writer and reader for incidents, concerns and referrals', () => {
  it('appends and reads back the same shape for each kind, next to what the modules wrote', async () => {
    const { town, villages } = await buildTown(env);
    const officer = await actorClient(env, 'town_officer', town.id);
    const person = await buildPerson(env, { townId: town.id, villageId: villages[0].id });
    const inc = (
      await officer.http.post('/api/incidents', {
        personId: person.id,
        type: 'wandering',
        description: '走失',
      })
    ).json();
    const con = (
      await officer.http.post('/api/concerns', {
        personId: person.id,
        category: 'living',
        description: '缺米',
      })
    ).json();
    const ref = (
      await officer.http.post('/api/referrals', { personId: person.id, target: 'temporary', reason: '急难' })
    ).json();
    const at = new Date('2026-03-10T01:00:00Z');
    await env.ctx.db.tx(async (q) => {
      await appendTimeline(q, 'incident', {
        caseId: inc.id,
        kind: 'action',
        text: '已联系',
        actorId: officer.id,
        at,
      });
      await appendTimeline(q, 'concern', {
        caseId: con.id,
        kind: 'comment',
        text: '已送米',
        actorId: officer.id,
        at,
      });
      await appendTimeline(q, 'referral', {
        caseId: ref.id,
        kind: 'note',
        text: '补充材料',
        actorId: null,
        at,
      });
    });
    for (const [kind, id, last] of [
      ['incident', inc.id, { kind: 'action', text: '已联系' }],
      ['concern', con.id, { kind: 'comment', text: '已送米' }],
      ['referral', ref.id, { kind: 'note', text: '补充材料', actor_name: null }],
    ] as const) {
      const rows = await listTimeline(env.ctx.db, kind, id);
      expect(rows.length).toBeGreaterThanOrEqual(2); // the module's own first entry, then ours
      expect(rows.at(-1)).toMatchObject({ ...last, at });
      expect(typeof rows[0].id).toBe('number');
    }
    // The modules' answers read through it, unchanged in shape.
    expect((await officer.http.get(`/api/incidents/${inc.id}`)).json().actions.at(-1)).toMatchObject({
      kind: 'action',
      note: '已联系',
    });
    expect((await officer.http.get(`/api/concerns/${con.id}`)).json().entries.at(-1)).toMatchObject({
      kind: 'comment',
      body: '已送米',
    });
    expect((await officer.http.get(`/api/referrals/${ref.id}`)).json().entries.at(-1)).toMatchObject({
      status: null,
      note: '补充材料',
      actor: null,
    });
  });
});
