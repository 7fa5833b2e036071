import { beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../../test/context.js';
import { actorClient, buildPerson, buildTown, buildUser } from '../../../../test/factories.js';

/** Issue 25: the audit log names people, and its search picks the actor by name. */
let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});

describe('audit search names people', () => {
  it('names the user or person a row is about, and finds an actor by name', async () => {
    const { town, villages } = await buildTown(env, 1);
    const officer = await actorClient(env, 'town_officer', town.id);
    const name = `审计测试${Date.now() % 100000}`;
    const person = await buildPerson(env, { townId: town.id, villageId: villages[0].id, name });
    expect((await officer.http.get(`/api/persons/${person.id}`)).statusCode).toBe(200);
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    const target = await buildUser(env, 'visitor', villages[0].id);
    expect((await admin.http.post(`/api/users/${target.id}/password`, {})).statusCode).toBe(200);

    const viewed = (await admin.http.get(`/api/audit?actorId=${officer.id}&action=person.view`)).json();
    expect(viewed.items[0]).toMatchObject({ entity: 'person', subjectName: name });
    const reset = (await admin.http.get(`/api/audit?actorId=${admin.id}&action=user.password_reset`)).json();
    expect(reset.items[0]).toMatchObject({ entity: 'user', subjectName: '测试visitor' });

    const found = (
      await admin.http.get(`/api/audit/actors?q=${encodeURIComponent(officer.username)}`)
    ).json();
    expect(found.items.map((u: any) => u.id)).toContain(officer.id);
    expect((await officer.http.get('/api/audit/actors?q=a')).statusCode).toBe(403);
  });
});
