import { beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../../test/context.js';
import { actorClient, buildTown } from '../../../../test/factories.js';
import { sql } from '../../db/sql.js';

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});

describe('the periodic jobs (GET /api/jobs, POST /api/jobs/:name/run)', () => {
  it('lists every registered job by name for the bureau admin; runs one now, logged first', async () => {
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    const res = await admin.http.get('/api/jobs');
    expect(res.statusCode).toBe(200);
    const names = res.json().items.map((j: { name: string }) => j.name);
    expect(names).toEqual([...env.ctx.registry.jobs.map((j) => j.name)].sort((a, b) => a.localeCompare(b)));
    expect(res.json().items[0]).toMatchObject({ everyMinutes: expect.any(Number) });

    const name = names[0];
    const run = await admin.http.post(`/api/jobs/${encodeURIComponent(name)}/run`, {});
    expect(run.statusCode).toBe(200);
    expect(run.json()).toMatchObject({ ran: true });
    const [row] = await env.ctx.db.query(
      sql(
        "select actor_id from audit_log where action = 'job.run' and entity_id = $1 order by id desc limit 1",
      ),
      [name],
    );
    expect(row.actor_id).toBe(admin.id);
    const after = (await admin.http.get('/api/jobs'))
      .json()
      .items.find((j: { name: string }) => j.name === name);
    expect(after.lastFinishedAt).not.toBeNull();
  });

  it('answers 404 for an unknown job and 403 to every role but the bureau admin', async () => {
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    const unknown = await admin.http.post('/api/jobs/no-such-job/run', {});
    expect(unknown.statusCode).toBe(404);
    const { town } = await buildTown(env, 0);
    const officer = await actorClient(env, 'town_officer', town.id);
    expect((await officer.http.get('/api/jobs')).statusCode).toBe(403);
    const name = env.ctx.registry.jobs[0].name;
    expect((await officer.http.post(`/api/jobs/${encodeURIComponent(name)}/run`, {})).statusCode).toBe(403);
  });
});
