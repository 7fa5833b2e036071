import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../test/context.js';
import { actorClient, buildPerson, buildTown, buildUser } from '../../../test/factories.js';
import { isolatedDb } from '../../../test/isolated-db.js';
import { createFieldCipher } from '../crypto/field-cipher.js';
import { migrate } from '../db/migrate.js';
import { sql } from '../db/sql.js';
import { backup, checksumTables, restore } from './backup.js';
import { encryptedColumns, rotateKeys, staleCounts } from './key-rotation.js';

let env: TestEnv;
const DIR = '.tmp/test-ops';
beforeAll(async () => {
  env = await testEnv();
  mkdirSync(DIR, { recursive: true });
});

describe('key rotation', () => {
  it('re-encrypts every *_enc column of every table to the newest key, and back', async () => {
    const { town, villages } = await buildTown(env, 1);
    const v = await buildUser(env, 'visitor', town.id);
    const person = await buildPerson(env, { townId: town.id, villageId: villages[0].id, visitorId: v.id });
    const f = env.ctx.fields;
    await env.ctx.db.query(sql('update users set phone_enc = $2, phone_hash = $3 where id = $1'), [
      v.id,
      f.encrypt('13912345678'),
      f.hash('13912345678'),
    ]);
    const cols = await encryptedColumns(env.ctx.db);
    expect(cols).toEqual(
      expect.arrayContaining([
        { table: 'persons', column: 'id_number_enc', hashColumn: 'id_number_hash' },
        { table: 'persons', column: 'phone_enc', hashColumn: 'phone_hash' },
        { table: 'users', column: 'phone_enc', hashColumn: 'phone_hash' },
        { table: 'users', column: 'totp_secret_enc', hashColumn: null },
      ]),
    );
    const oldKey = Buffer.alloc(32, 7);
    const newKey = Buffer.alloc(32, 11);
    const search = Buffer.alloc(32, 9);
    const next = createFieldCipher([newKey, oldKey], search);
    const back = createFieldCipher([oldKey, newKey], search);
    try {
      const reports = await rotateKeys(env.ctx.db, next, { batch: 7 });
      expect(
        reports.find((r) => r.table === 'persons' && r.column === 'id_number_enc')!.reencrypted,
      ).toBeGreaterThan(0);
      expect((await staleCounts(env.ctx.db, next)).filter((s) => s.stale > 0)).toEqual([]);
      const [p] = await env.ctx.db.query(
        sql('select id_number_enc, id_number_hash from persons where id = $1'),
        [person.id],
      );
      expect(p.id_number_enc.startsWith(`v1.${next.keyId}.`)).toBe(true);
      expect(next.decrypt(p.id_number_enc)).toBe(person.idNumber);
      // The search hash is unchanged: exact search by ID number still finds the person.
      expect(p.id_number_hash).toBe(f.hash(person.idNumber));
      const [u] = await env.ctx.db.query(sql('select phone_enc from users where id = $1'), [v.id]);
      expect(next.decrypt(u.phone_enc)).toBe('13912345678');
      // The old key alone can no longer read it.
      expect(() => f.decrypt(p.id_number_enc)).toThrow();
    } finally {
      await rotateKeys(env.ctx.db, back, { batch: 500 });
    }
    expect((await staleCounts(env.ctx.db, back)).filter((s) => s.stale > 0)).toEqual([]);
    const [p] = await env.ctx.db.query(sql('select id_number_enc from persons where id = $1'), [person.id]);
    expect(f.decrypt(p.id_number_enc)).toBe(person.idNumber);
  });

  it('with --rehash recomputes the search hashes for the new key list', async () => {
    const { town, villages } = await buildTown(env, 1);
    const person = await buildPerson(env, { townId: town.id, villageId: villages[0].id });
    const oldKey = Buffer.alloc(32, 7);
    const other = createFieldCipher([oldKey], Buffer.alloc(32, 5));
    try {
      await rotateKeys(env.ctx.db, other, { rehash: true });
      const [p] = await env.ctx.db.query(sql('select id_number_hash from persons where id = $1'), [
        person.id,
      ]);
      expect(p.id_number_hash).toBe(other.hash(person.idNumber));
    } finally {
      await rotateKeys(env.ctx.db, env.ctx.fields, { rehash: true });
    }
    const [p] = await env.ctx.db.query(sql('select id_number_hash from persons where id = $1'), [person.id]);
    expect(p.id_number_hash).toBe(env.ctx.fields.hash(person.idNumber));
  });
});

const emptyDb = () => isolatedDb(env.ctx.db);

describe('backup and restore', () => {
  let target: Awaited<ReturnType<typeof emptyDb>>;
  afterAll(async () => {
    await target?.drop();
  });

  it('gives back exactly the same data: every table, row count and checksum', async () => {
    // Something in most tables: persons, users with roles, audit rows, settings.
    const { town, villages } = await buildTown(env, 2);
    const officer = await actorClient(env, 'town_officer', town.id);
    const v = await buildUser(env, 'visitor', town.id);
    await buildPerson(env, { townId: town.id, villageId: villages[1].id, visitorId: v.id, selfCare: 'none' });
    await officer.http.post('/api/areas', { parentId: town.id, name: `备份村${Date.now()}` });
    const file = `${DIR}/backup-${Date.now()}.jsonl.gz`;
    // With the files of the store the run is configured with (TANFANG_FILES_DIR: every stored file).
    const manifest = await backup(env.ctx.db, file, undefined, { files: env.ctx });
    const before = await checksumTables(env.ctx.db);
    expect(manifest.tables).toEqual(before);
    expect(manifest.tables.find((t) => t.name === 'persons')!.rows).toBeGreaterThan(0);
    expect(manifest.tables.find((t) => t.name === 'audit_log')!.rows).toBeGreaterThan(0);
    expect(manifest.tables.map((t) => t.name)).not.toContain('sessions');

    target = await emptyDb();
    await migrate(target.db);
    const restored = await restore(target.db, file, undefined, { files: env.ctx });
    expect(restored.tables).toEqual(before);
    const after = await checksumTables(target.db);
    expect(after).toEqual(before);
    // Identity sequences continue after the restored ids: a new area gets a fresh id.
    const [{ max }] = await target.db.query<{ max: number }>(sql('select max(id)::int as max from areas'));
    const [{ id }] = await target.db.query<{ id: number }>(
      sql(
        `insert into areas (parent_id, code, name, level, kind) values (null, 'r-${Date.now()}', '恢复后新增', 'district', '区') returning id`,
      ),
    );
    expect(id).toBeGreaterThan(max);
    // A second restore into the now non-empty database is refused.
    await expect(restore(target.db, file)).rejects.toThrow(/不是空的/);
  }, 600_000);

  it('refuses a truncated or altered file and leaves the target untouched', async () => {
    const file = `${DIR}/backup-${Date.now()}.jsonl.gz`;
    await backup(env.ctx.db, file, undefined, { files: env.ctx });
    const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n');
    const cut = `${DIR}/cut-${Date.now()}.jsonl.gz`;
    writeFileSync(cut, gzipSync(lines.slice(0, Math.floor(lines.length / 2)).join('\n')));
    const edited = `${DIR}/edited-${Date.now()}.jsonl.gz`;
    const i = lines.findIndex((l) => l.startsWith('{"r":') && l.includes('"display_name"'));
    lines[i] = lines[i].replace(/"display_name":"[^"]*"/, '"display_name":"篡改"');
    writeFileSync(edited, gzipSync(lines.join('\n')));
    const t = await emptyDb();
    try {
      await migrate(t.db);
      await expect(restore(t.db, cut, undefined, { files: env.ctx })).rejects.toThrow(/不完整/);
      await expect(restore(t.db, edited, undefined, { files: env.ctx })).rejects.toThrow(
        /表 users 恢复后不一致/,
      );
      const [{ n }] = await t.db.query<{ n: number }>(sql('select count(*)::int as n from users'));
      expect(n).toBe(0);
    } finally {
      await t.drop();
    }
  }, 600_000);
});
