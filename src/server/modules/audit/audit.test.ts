import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../../test/context.js';
import { actorClient, buildTown, buildUser } from '../../../../test/factories.js';
import { sql } from '../../db/sql.js';
import { appendAudit, appendAuditTo, auditChainOf, auditRowText, sha256 } from './repo.js';
import { recordView } from './service.js';
import { verifyAuditChain } from './verify.js';

let env: TestEnv;
const tables: string[] = [];
beforeAll(async () => {
  env = await testEnv();
});
afterAll(async () => {
  for (const t of tables) await env.ctx.db.query(sql(`drop table if exists ${t}`));
});

/** A private copy of the audit table, to tamper with. */
async function copyOfLog() {
  const t = `audit_tamper_${randomBytes(4).toString('hex')}`;
  tables.push(t);
  await env.ctx.db.exec(sql(`create table ${t} (like audit_log including defaults including identity)`));
  return t;
}

const entry = (i: number, entityId = 100 + i) => ({
  at: new Date(Date.UTC(2026, 0, 1, 8, i)),
  actorId: i,
  action: 'person.update',
  entity: 'person',
  entityId,
  detail: { old: { phone: `1390000000${i}` }, new: { phone: `1380000000${i}` }, when: new Date(0) },
});

const idsOf = async (t: string, where = 'true') =>
  (
    await env.ctx.db.query<{ id: number }>(sql(`select id::int as id from ${t} where ${where} order by id`))
  ).map((r) => r.id);

/**
 * A copy with one chain of `n` rows. They are appended in one transaction because a transaction's
 * rows all go to one chain (separate transactions spread over the chains: see `chains` below).
 */
async function chain(n: number) {
  const t = await copyOfLog();
  await env.ctx.db.tx(async (q) => {
    for (let i = 1; i <= n; i++) await appendAuditTo(q, t, entry(i));
  });
  return { t, ids: await idsOf(t) };
}

/** A copy with `n` rows in separate transactions about `keys` different entities (interleaved chains). */
async function chains(n: number, keys: number) {
  const t = await copyOfLog();
  for (let i = 1; i <= n; i++) await env.ctx.db.tx((q) => appendAuditTo(q, t, entry(i, 100 + (i % keys))));
  return { t, ids: await idsOf(t) };
}

describe('audit chain verification', () => {
  it('passes an untouched chain, including the shared log of this whole test run', async () => {
    const { t, ids } = await chain(5);
    const res = await verifyAuditChain(env.ctx.db, { table: t });
    expect(res).toMatchObject({ ok: true, checked: 5, firstId: ids[0], lastId: ids[4], problems: [] });
    await env.ctx.db.tx((q) =>
      appendAudit(q, {
        at: new Date(),
        actorId: null,
        action: 'test.mark',
        entity: 'test',
        detail: { d: new Date() },
      }),
    );
    const shared = await verifyAuditChain(env.ctx.db);
    expect(shared.problems).toEqual([]);
    expect(shared.checked).toBeGreaterThan(0);
  });

  it('names the row whose content was edited', async () => {
    const { t, ids } = await chain(5);
    await env.ctx.db.query(
      sql(`update ${t} set detail = jsonb_set(detail, '{new,phone}', '"13999999999"') where id = $1`),
      [ids[2]],
    );
    const res = await verifyAuditChain(env.ctx.db, { table: t });
    expect(res.ok).toBe(false);
    expect(res.problems).toEqual([expect.objectContaining({ id: ids[2], kind: 'edited' })]);
    expect(res.problems[0].message).toContain(`第 ${ids[2]} 行`);
  });

  it('finds a deleted row at the row after it', async () => {
    const { t, ids } = await chain(5);
    await env.ctx.db.query(sql(`delete from ${t} where id = $1`), [ids[1]]);
    const res = await verifyAuditChain(env.ctx.db, { table: t });
    expect(res.problems).toEqual([expect.objectContaining({ id: ids[2], kind: 'deleted' })]);
    expect(res.problems[0].message).toContain(`第 ${ids[0]} 行与第 ${ids[2]} 行之间`);
  });

  it('finds rows whose order was swapped', async () => {
    const { t, ids } = await chain(5);
    const cols = 'at, actor_id, action, entity, entity_id, area_id, detail, ip, prev_hash, hash';
    await env.ctx.db.query(
      sql(`update ${t} x set (${cols}) = (select ${cols} from ${t} y where y.id = case x.id when $1 then $2::bigint else $1::bigint end)
        where x.id in ($1, $2)`),
      [ids[1], ids[2]],
    );
    const res = await verifyAuditChain(env.ctx.db, { table: t });
    expect(res.ok).toBe(false);
    expect(res.problems.map((p) => p.kind)).toContain('reordered');
    expect(res.problems.every((p) => p.kind !== 'edited')).toBe(true);
  });

  it('finds a row edited and re-hashed by the break it leaves before the next row', async () => {
    const { t, ids } = await chain(4);
    await env.ctx.db.query(
      sql(`update ${t} set action = 'person.view', hash = repeat('a', 64) where id = $1`),
      [ids[1]],
    );
    const res = await verifyAuditChain(env.ctx.db, { table: t });
    expect(res.problems.map((p) => [p.id, p.kind])).toEqual([
      [ids[1], 'edited'],
      [ids[2], 'deleted'],
    ]);
  });

  it('checks a range of ids on its own', async () => {
    const { t, ids } = await chain(6);
    await env.ctx.db.query(sql(`update ${t} set actor_id = 99 where id = $1`), [ids[5]]);
    expect((await verifyAuditChain(env.ctx.db, { table: t, from: ids[1], to: ids[4] })).ok).toBe(true);
    expect((await verifyAuditChain(env.ctx.db, { table: t, from: ids[4] })).problems).toHaveLength(1);
  });

  it('spreads transactions over several chains and verifies each of them', async () => {
    const { t, ids } = await chains(12, 4);
    const rows = await env.ctx.db.query<{ chain: number; entity_id: string }>(
      sql(`select chain, entity_id from ${t} order by id`),
    );
    // The same key always lands on the same chain; four keys use more than one chain.
    for (const r of rows) expect(r.chain).toBe(auditChainOf(`person:${r.entity_id}`));
    expect(new Set(rows.map((r) => r.chain)).size).toBeGreaterThan(1);
    const res = await verifyAuditChain(env.ctx.db, { table: t });
    expect(res).toMatchObject({ ok: true, checked: 12, firstId: ids[0], lastId: ids[11] });
    expect(res.chains.reduce((a, c) => a + c.rows, 0)).toBe(12);
    // A range starting mid-log is anchored in every chain by that chain's row before it.
    expect((await verifyAuditChain(env.ctx.db, { table: t, from: ids[5] })).ok).toBe(true);
  });

  it('finds a deleted row inside one chain among others', async () => {
    const { t } = await chains(12, 4);
    const [{ chain }] = await env.ctx.db.query<{ chain: number }>(
      sql(`select chain from ${t} order by id limit 1`),
    );
    const mine = await idsOf(t, `chain = ${chain}`);
    expect(mine.length).toBeGreaterThanOrEqual(3);
    await env.ctx.db.query(sql(`delete from ${t} where id = $1`), [mine[1]]);
    const res = await verifyAuditChain(env.ctx.db, { table: t });
    expect(res.problems).toEqual([expect.objectContaining({ id: mine[2], kind: 'deleted' })]);
  });

  it('finds the last row of a chain deleted (by the recorded tail)', async () => {
    const { t, ids } = await chain(4);
    await env.ctx.db.query(sql(`delete from ${t} where id = $1`), [ids[3]]);
    const res = await verifyAuditChain(env.ctx.db, { table: t });
    expect(res.ok).toBe(false);
    expect(res.problems).toEqual([expect.objectContaining({ id: ids[3], kind: 'deleted' })]);
    expect(res.problems[0].message).toContain(`却止于第 ${ids[2]} 行`);
  });

  it('finds the end of a chain rewritten with recomputed hashes (by the recorded tail)', async () => {
    const { t, ids } = await chain(3);
    const [row] = await env.ctx.db.query<{ prev_hash: string }>(
      sql(`select prev_hash from ${t} where id = $1`),
      [ids[2]],
    );
    // A forger who can write the table re-computes the last row's hash after editing it.
    await env.ctx.db.query(sql(`update ${t} set action = 'person.view' where id = $1`), [ids[2]]);
    const [r] = await env.ctx.db.query<Parameters<typeof auditRowText>[0]>(
      sql(`select at, actor_id, action, entity, entity_id, area_id, detail, ip from ${t} where id = $1`),
      [ids[2]],
    );
    await env.ctx.db.query(sql(`update ${t} set hash = $2 where id = $1`), [
      ids[2],
      sha256(row.prev_hash + auditRowText(r)),
    ]);
    const res = await verifyAuditChain(env.ctx.db, { table: t });
    expect(res.problems).toEqual([expect.objectContaining({ id: ids[2], kind: 'edited' })]);
    expect(res.problems[0].message).toContain('链尾');
  });

  it('finds a row moved to another chain', async () => {
    const { t, ids } = await chain(4);
    await env.ctx.db.query(sql(`update ${t} set chain = (chain + 1) % 16 where id = $1`), [ids[1]]);
    const res = await verifyAuditChain(env.ctx.db, { table: t });
    expect(res.ok).toBe(false);
    expect(res.problems.map((p) => p.id)).toEqual(expect.arrayContaining([ids[1], ids[2]]));
    expect(res.problems.every((p) => p.kind !== 'edited')).toBe(true);
  });

  it('keeps concurrent writers of one chain in order and lets other chains pass', async () => {
    const t = await copyOfLog();
    // Eight transactions at once, two keys: PostgreSQL runs them on separate connections.
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        env.ctx.db.tx(async (q) => {
          await appendAuditTo(q, t, entry(i + 1, 100 + (i % 2)));
          // Hold the tail lock a while, so the writers behind it really wait and then append onto
          // the hash committed meanwhile (not the one their statement's snapshot saw).
          await q.query(sql('select pg_sleep(0.03)'));
          await appendAuditTo(q, t, entry(i + 1, 100 + (i % 2)));
        }),
      ),
    );
    const res = await verifyAuditChain(env.ctx.db, { table: t });
    expect(res).toMatchObject({ ok: true, checked: 16 });
  });

  it('appends one row per statement without a transaction of the caller, concurrent writers in order', async () => {
    const t = await copyOfLog();
    // Given the database (an audited view), each append is a statement of its own: 24 at once, on
    // three keys, over the pool's connections on PostgreSQL, including each chain's first row.
    await Promise.all(
      Array.from({ length: 24 }, (_, i) => appendAuditTo(env.ctx.db, t, entry(i + 1, 100 + (i % 3)))),
    );
    const res = await verifyAuditChain(env.ctx.db, { table: t });
    expect(res).toMatchObject({ ok: true, checked: 24 });
    const chainsUsed = await env.ctx.db.query<{ n: number }>(
      sql(`select count(distinct chain)::int as n from ${t}`),
    );
    expect(chainsUsed[0].n).toBe(new Set([100, 101, 102].map((k) => auditChainOf(`person:${k}`))).size);
  });

  it('the database itself refuses to update or delete audit rows', async () => {
    await env.ctx.db.tx((q) =>
      appendAudit(q, { at: new Date(), actorId: null, action: 'test.mark', entity: 'test' }),
    );
    const [{ id }] = await env.ctx.db.query<{ id: number }>(sql('select max(id)::int as id from audit_log'));
    await expect(
      env.ctx.db.query(sql("update audit_log set action = 'x' where id = $1"), [id]),
    ).rejects.toThrow(/append-only/);
    await expect(env.ctx.db.query(sql('delete from audit_log where id = $1'), [id])).rejects.toThrow(
      /append-only/,
    );
  });
});

describe('audit search', () => {
  it('lets the bureau filter by actor, action, entity, person and date, newest first, page by page', async () => {
    const { town } = await buildTown(env, 0);
    const officer = await actorClient(env, 'town_officer', town.id);
    const sup = await actorClient(env, 'bureau_supervisor', env.districtId);
    const personId = 900000000 + Math.floor(Math.random() * 1e6);
    await env.ctx.db.tx(async (q) => {
      await appendAudit(q, {
        at: env.ctx.clock.now(),
        actorId: officer.id,
        action: 'person.update',
        entity: 'person',
        entityId: personId,
        detail: { old: { name: '甲' }, new: { name: '乙' } },
      });
      await recordView(q, {
        actor: { userId: officer.id } as never,
        at: env.ctx.clock.now(),
        entity: 'visit',
        entityId: 5,
        personId,
        what: 'photos',
      });
    });
    const byActor = (await sup.http.get(`/api/audit?actorId=${officer.id}`)).json();
    expect(byActor.items.map((r: { action: string }) => r.action)).toEqual([
      'visit.view',
      'person.update',
      'login',
    ]);
    expect(byActor.items[2]).toMatchObject({ actorUsername: officer.username, entity: 'user' });

    const logins = (await sup.http.get(`/api/audit?actorId=${officer.id}&action=login*`)).json();
    expect(logins.items).toHaveLength(1);
    const aboutPerson = (await sup.http.get(`/api/audit?personId=${personId}`)).json();
    expect(aboutPerson.items.map((r: { action: string }) => r.action)).toEqual([
      'visit.view',
      'person.update',
    ]);
    expect(aboutPerson.items[1].detail).toEqual({ old: { name: '甲' }, new: { name: '乙' } });

    const page1 = (await sup.http.get(`/api/audit?actorId=${officer.id}&limit=2`)).json();
    expect(page1.items).toHaveLength(2);
    const page2 = (
      await sup.http.get(`/api/audit?actorId=${officer.id}&limit=2&before=${page1.nextBefore}`)
    ).json();
    expect(page2.items.map((r: { action: string }) => r.action)).toEqual(['login']);
    expect(page2.nextBefore).toBeNull();

    const tomorrow = new Date(env.ctx.clock.now().getTime() + 2 * 86400000).toISOString().slice(0, 10);
    expect((await sup.http.get(`/api/audit?actorId=${officer.id}&from=${tomorrow}`)).json().items).toEqual(
      [],
    );
    const bad = await sup.http.get('/api/audit?from=yesterday');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('from');

    // The search itself is on the record.
    const searches = (await sup.http.get(`/api/audit?actorId=${sup.id}&action=audit.search`)).json();
    expect(searches.items.length).toBeGreaterThanOrEqual(5);
  });

  it('is closed to town officers and visitors', async () => {
    const { town } = await buildTown(env, 0);
    const officer = await actorClient(env, 'town_officer', town.id);
    expect((await officer.http.get('/api/audit')).statusCode).toBe(403);
    expect((await officer.http.post('/api/audit/verify', {})).statusCode).toBe(403);
  });

  it('logs logins, failed logins and logouts', async () => {
    const { town } = await buildTown(env, 0);
    const u = await buildUser(env, 'visitor', town.id);
    await env.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: u.username, password: 'x' },
    });
    const v = await actorClient(env, 'visitor', town.id);
    await v.http.post('/api/auth/logout');
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    const failed = (await admin.http.get(`/api/audit?actorId=${u.id}`)).json().items;
    expect(failed.map((r: { action: string }) => r.action)).toEqual(['login.failed']);
    const mine = (await admin.http.get(`/api/audit?actorId=${v.id}`)).json().items;
    expect(mine.map((r: { action: string }) => r.action)).toEqual(['logout', 'login']);
    const verify = await admin.http.post('/api/audit/verify', {});
    expect(verify.json()).toMatchObject({ ok: true, problems: [] });
  });
});
