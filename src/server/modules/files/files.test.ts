import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv } from '../../../../test/context.js';
import { actorClient, buildPerson, buildTown } from '../../../../test/factories.js';
import { isolatedEnv } from '../../../../test/isolated-db.js';
import { CHECKLIST_V1, fineAnswers } from '../../../shared/checklist.js';
import { chinaDate } from '../../../shared/china-time.js';
import { seasonFlags } from '../../../shared/schedule.js';
import { buildApp } from '../../app.js';
import type { FilesConfig } from '../../config.js';
import type { Ctx } from '../../context.js';
import { sql } from '../../db/sql.js';
import { backup, restore } from '../../ops/backup.js';
import { folderStore } from './folder-store.js';
import { fileStoreOf, migrateFilesToStore, sweepOrphanFiles, verifyStoredFiles } from './service.js';
import { FileCorruptError, sha256Of, shardedName } from './store.js';

const shared = await testEnv();

// A real JPEG is not needed: the server sniffs the type from the first bytes. Each test's photo is
// unique (a random tail), so the content-addressed store holds one object per photo.
const photo = (tag = randomUUID()) =>
  Buffer.concat([
    Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
      'base64',
    ),
    Buffer.from(tag),
  ]);

const visitBody = (personId: number, at: string, extra: Record<string, unknown> = {}) => ({
  clientId: randomUUID(),
  personId,
  at,
  method: 'in_person',
  outcome: 'reached',
  answers: fineAnswers(CHECKLIST_V1, seasonFlags(chinaDate(new Date(at)))),
  notes: '一切正常',
  ...extra,
});

const folders: string[] = [];
async function tempFolder() {
  const d = await mkdtemp(join(tmpdir(), 'tanfang-files-'));
  folders.push(d);
  return d;
}
afterAll(async () => {
  for (const d of folders) await rm(d, { recursive: true, force: true });
});

const withFiles = (ctx: Ctx, files: FilesConfig): Ctx => ({ ...ctx, config: { ...ctx.config, files } });

describe('folder store', () => {
  it('names objects by their SHA-256 in sharded folders, writes whole files only, and checks bytes on read', async () => {
    const dir = await tempFolder();
    const store = folderStore(dir);
    const bytes = photo();
    const sha = await store.put(bytes);
    expect(sha).toBe(sha256Of(bytes));
    expect((await readFile(join(dir, shardedName(sha)))).equals(bytes)).toBe(true);
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
    expect((await store.get(sha))?.equals(bytes)).toBe(true);
    expect(await store.has(sha)).toBe(true);
    // The same bytes again: one object, its time refreshed (the sweeper's grace runs from the last writer).
    const old = new Date(Date.now() - 3 * 86400_000);
    await utimes(join(dir, shardedName(sha)), old, old);
    expect(await store.put(bytes)).toBe(sha);
    expect((await stat(join(dir, shardedName(sha)))).mtimeMs).toBeGreaterThan(old.getTime() + 86400_000);
    const listed = [];
    for await (const o of store.list()) listed.push(o.sha256);
    expect(listed).toEqual([sha]);
    // A damaged object is refused, never served.
    await writeFile(join(dir, shardedName(sha)), Buffer.from('not the photo'));
    await expect(store.get(sha)).rejects.toBeInstanceOf(FileCorruptError);
    await store.delete(sha);
    await store.delete(sha);
    expect(await store.has(sha)).toBe(false);
    expect(await store.get(sha)).toBeNull();
    expect(() => shardedName('../../etc/passwd')).toThrow();
  });
});

describe('visit photos in a folder store (through HTTP)', () => {
  let env: Awaited<ReturnType<typeof isolatedEnv>>;
  let dir: string;
  beforeAll(async () => {
    dir = await tempFolder();
    env = await isolatedEnv({
      ...shared,
      ctx: withFiles(shared.ctx, { kind: 'folder', dir, graceHours: 24 }),
    });
  });
  afterAll(async () => env.drop());

  async function setup() {
    const { town, villages } = await buildTown(env);
    const visitor = await actorClient(env, 'visitor', villages[0].id);
    const officer = await actorClient(env, 'town_officer', town.id);
    const person = await buildPerson(env, {
      townId: town.id,
      villageId: villages[0].id,
      visitorId: visitor.id,
      supportStart: '2025-06-01',
    });
    return { town, villages, visitor, officer, person };
  }

  it('writes the photo to the store, keeps hash, size and type in the row, and serves it in scope with an audit row', async () => {
    const { visitor, officer, person } = await setup();
    const bytes = photo();
    const sig = photo();
    const res = await visitor.http.post(
      '/api/visits',
      visitBody(person.id, '2026-03-15T10:00:00+08:00', {
        photos: [{ data: bytes.toString('base64') }],
        signature: { data: sig.toString('base64') },
      }),
    );
    expect(res.statusCode).toBe(201);
    const rows = await env.ctx.db.query<{
      sha256: string;
      size: number;
      mime: string;
      stored: boolean;
      content: unknown;
    }>(sql('select sha256, size, mime, stored, content from visit_files where visit_id = $1 order by kind'), [
      res.json().id,
    ]);
    expect(rows).toEqual([
      { sha256: sha256Of(bytes), size: bytes.length, mime: 'image/png', stored: true, content: null },
      { sha256: sha256Of(sig), size: sig.length, mime: 'image/png', stored: true, content: null },
    ]);
    expect((await readFile(join(dir, shardedName(sha256Of(bytes))))).equals(bytes)).toBe(true);

    const url = res.json().photos[0].url as string;
    const got = await officer.http.get(url);
    expect(got.statusCode).toBe(200);
    expect(got.headers['cache-control']).toBe('no-store');
    expect(got.rawPayload.equals(bytes)).toBe(true);
    const [audit] = await env.ctx.db.query<{ n: number }>(
      sql(
        `select count(*)::int as n from audit_log where action = 'visit.file.view' and entity_id = $1 and actor_id = $2`,
      ),
      [String(res.json().id), officer.id],
    );
    expect(audit.n).toBe(1);

    // Another town's officer: the same 404 as for a visit that does not exist.
    const other = await buildTown(env);
    const stranger = await actorClient(env, 'town_officer', other.town.id);
    expect((await stranger.http.get(url)).statusCode).toBe(404);
  });

  it('answers 500 without serving anything when the stored object is missing or damaged', async () => {
    const { visitor, person } = await setup();
    const bytes = photo();
    const res = await visitor.http.post(
      '/api/visits',
      visitBody(person.id, '2026-03-16T10:00:00+08:00', { photos: [{ data: bytes.toString('base64') }] }),
    );
    const url = res.json().photos[0].url as string;
    await writeFile(join(dir, shardedName(sha256Of(bytes))), Buffer.from('\x89PNG damaged'));
    const damaged = await visitor.http.get(url);
    expect(damaged.statusCode).toBe(500);
    expect(damaged.rawPayload.includes(Buffer.from('damaged'))).toBe(false);
  });

  it('never leaves a row without its file: a visit that fails after its photo was written leaves an orphan the sweeper removes', async () => {
    const { visitor, person } = await setup();
    const kept = photo();
    const ok = await visitor.http.post(
      '/api/visits',
      visitBody(person.id, '2026-03-17T10:00:00+08:00', { photos: [{ data: kept.toString('base64') }] }),
    );
    expect(ok.statusCode).toBe(201);

    // The same app's routes on a registry whose last visit handler fails: the transaction rolls back
    // after the photo is in the store (a crash between file and row).
    const crashing = await buildApp({
      ...env.ctx,
      registry: {
        ...env.ctx.registry,
        visitHandlers: [
          ...env.ctx.registry.visitHandlers,
          {
            name: 'crash',
            acts: () => true,
            run: async () => {
              throw new Error('断电');
            },
          },
        ],
      },
    });
    const lost = photo();
    const body = visitBody(person.id, '2026-03-18T10:00:00+08:00', {
      photos: [{ data: lost.toString('base64') }],
    });
    const failed = await crashing.inject({
      method: 'POST',
      url: '/api/visits',
      payload: body,
      headers: { authorization: `Bearer ${visitor.token}` },
    });
    await crashing.close();
    expect(failed.statusCode).toBe(500);
    const [{ n }] = await env.ctx.db.query<{ n: number }>(
      sql('select count(*)::int as n from visits where client_id = $1'),
      [body.clientId],
    );
    expect(n).toBe(0);
    const store = fileStoreOf(env.ctx)!;
    expect(await store.has(sha256Of(lost))).toBe(true);

    // Within the grace period nothing goes; past it the orphan goes and the named file stays.
    expect((await sweepOrphanFiles(env.ctx)).removed).toBe(0);
    const res = await sweepOrphanFiles(env.ctx, { graceHours: 0 });
    expect(res.removed).toBeGreaterThanOrEqual(1);
    expect(await store.has(sha256Of(lost))).toBe(false);
    expect(await store.has(sha256Of(kept))).toBe(true);
    const again = await visitor.http.get(ok.json().photos[0].url);
    expect(again.rawPayload.equals(kept)).toBe(true);
    // Every stored file a row names is in the store.
    const v = await verifyStoredFiles(env.ctx, { read: true });
    expect(v.missing).toEqual([]);
  });

  it('takes photos ahead of their visit, one by one, for their uploader only', async () => {
    const { visitor, person, villages, town } = await setup();
    const bytes = photo();
    const sha = sha256Of(bytes);
    const put = (who: typeof visitor, name: string, data: string) =>
      who.http.put(`/api/visit-photos/${name}`, { data });
    const up = await put(visitor, sha, bytes.toString('base64'));
    expect(up.statusCode, up.body).toBe(201);
    expect(up.json()).toEqual({ sha256: sha, size: bytes.length });
    // Again (a retry after a lost answer): the same, one row.
    expect((await put(visitor, sha, bytes.toString('base64'))).statusCode).toBe(201);
    const [u] = await env.ctx.db.query<{ n: number; stored: boolean }>(
      sql('select count(*)::int as n, bool_and(stored) as stored from visit_uploads where sha256 = $1'),
      [sha],
    );
    expect(u).toEqual({ n: 1, stored: true });
    // Bytes that do not hash to the name, a name that is no hash, bytes that are no image.
    const other = photo();
    const lying = await put(visitor, sha, other.toString('base64'));
    expect([lying.statusCode, lying.json().field]).toEqual([400, 'data']);
    expect((await put(visitor, 'abc', bytes.toString('base64'))).statusCode).toBe(400);
    const pdf = Buffer.from('%PDF-1.4 not a photo');
    const notImage = await put(visitor, sha256Of(pdf), pdf.toString('base64'));
    expect([notImage.statusCode, notImage.json().field]).toEqual([400, 'data']);
    // A role that records no visits.
    const supervisor = await actorClient(env, 'bureau_supervisor', env.districtId);
    expect((await put(supervisor, sha, bytes.toString('base64'))).statusCode).toBe(403);

    // Another visitor cannot name it (409, the phone sends the photo again); its uploader can.
    const stranger = await actorClient(env, 'visitor', villages[0].id);
    const strangerPerson = await buildPerson(env, {
      townId: town.id,
      villageId: villages[0].id,
      visitorId: stranger.id,
      supportStart: '2025-06-01',
    });
    const stolen = await stranger.http.post(
      '/api/visits',
      visitBody(strangerPerson.id, '2026-03-20T10:00:00+08:00', { photos: [{ upload: sha }] }),
    );
    expect([stolen.statusCode, stolen.json().code, stolen.json().field]).toEqual([
      409,
      'UPLOAD_MISSING',
      'photos.0',
    ]);
    const both = await visitor.http.post(
      '/api/visits',
      visitBody(person.id, '2026-03-20T10:00:00+08:00', { photos: [{ upload: sha, data: 'x' }] }),
    );
    expect(both.statusCode).toBe(400);
    const res = await visitor.http.post(
      '/api/visits',
      visitBody(person.id, '2026-03-20T10:00:00+08:00', { photos: [{ upload: sha, name: 'photo-1.jpg' }] }),
    );
    expect(res.statusCode, res.body).toBe(201);
    const [row] = await env.ctx.db.query<{ sha256: string; stored: boolean; size: number }>(
      sql('select sha256, stored, size from visit_files where visit_id = $1'),
      [res.json().id],
    );
    expect(row).toEqual({ sha256: sha, stored: true, size: bytes.length });
    expect((await visitor.http.get(res.json().photos[0].url)).rawPayload.equals(bytes)).toBe(true);
    // The upload row went with the visit; the object stays (the visit's row names it).
    const [left] = await env.ctx.db.query<{ n: number }>(
      sql('select count(*)::int as n from visit_uploads where sha256 = $1'),
      [sha],
    );
    expect(left.n).toBe(0);
    await sweepOrphanFiles(env.ctx, { graceHours: 0 });
    expect(await fileStoreOf(env.ctx)!.has(sha)).toBe(true);
  });

  it('stores concern evidence in the store and reads it back (care scans and reports: the suite run with TANFANG_FILES_DIR)', async () => {
    const { town, villages, officer, person } = await setup();
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.from(randomUUID())]);
    const c = await officer.http.post('/api/concerns', {
      personId: person.id,
      category: 'housing',
      description: '卧室屋顶漏雨，需要修缮',
    });
    if (c.statusCode !== 201) return expect.fail(`concern: ${c.statusCode} ${c.body}`);
    void town;
    void villages;
    const id = c.json().id;
    const up = await officer.http.post(`/api/concerns/${id}/files`, {
      name: '整改照片.pdf',
      mime: 'application/pdf',
      data: pdf.toString('base64'),
    });
    expect(up.statusCode).toBeLessThan(300);
    const [row] = await env.ctx.db.query<{ id: number; stored: boolean; sha256: string }>(
      sql('select id, stored, sha256 from concern_files where concern_id = $1'),
      [id],
    );
    expect(row).toMatchObject({ stored: true, sha256: sha256Of(pdf) });
    const got = await officer.http.get(`/api/concerns/${id}/files/${row.id}`);
    expect(got.statusCode).toBe(200);
    expect(got.rawPayload.equals(pdf)).toBe(true);
  });
});

describe('outreach activity photos in a folder store (issue 32 met issue 33)', () => {
  let env: Awaited<ReturnType<typeof isolatedEnv>>;
  let dir: string;
  beforeAll(async () => {
    dir = await tempFolder();
    env = await isolatedEnv({
      ...shared,
      ctx: withFiles(shared.ctx, { kind: 'folder', dir, graceHours: 24 }),
    });
  });
  afterAll(async () => env.drop());

  it('writes an activity photo to the store, reads it back in scope, and files migrate knows the table', async () => {
    const { town, villages } = await buildTown(env);
    const officer = await actorClient(env, 'town_officer', town.id);
    const person = await buildPerson(env, { townId: town.id, villageId: villages[0].id });
    const act = await officer.http.post('/api/outreach/activities', {
      areaId: town.id,
      type: 'festival',
      heldOn: chinaDate(new Date()),
      place: '镇文化站',
      personIds: [person.id],
    });
    expect(act.statusCode, act.body).toBe(201);
    // A PNG signature and a unique tail: the server checks the type by the first bytes.
    const png = Buffer.concat([
      Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'),
      Buffer.from(randomUUID()),
    ]);
    const url = `/api/outreach/activities/${act.json().id}/photos`;
    const up = await officer.http.post(url, { mime: 'image/png', data: png.toString('base64') });
    expect(up.statusCode, up.body).toBe(201);
    const [row] = await env.ctx.db.query<{ id: number; stored: boolean; sha256: string; content: unknown }>(
      sql('select id, stored, sha256, content from activity_files where activity_id = $1'),
      [act.json().id],
    );
    expect(row).toMatchObject({ stored: true, sha256: sha256Of(png), content: null });
    expect(await readFile(join(dir, shardedName(row.sha256)))).toEqual(png);
    const got = await officer.http.get(`${url}/${row.id}`);
    expect(got.statusCode).toBe(200);
    expect(got.rawPayload.equals(png)).toBe(true);
    const outsider = await actorClient(env, 'town_officer', (await buildTown(env)).town.id);
    expect((await outsider.http.get(`${url}/${row.id}`)).statusCode).toBe(404);
  });
});

describe('tanfang files migrate, backup and restore with files', () => {
  let env: Awaited<ReturnType<typeof isolatedEnv>>;
  beforeAll(async () => {
    env = await isolatedEnv({ ...shared, ctx: withFiles(shared.ctx, { kind: 'db', graceHours: 24 }) });
  });
  afterAll(async () => env.drop());

  it('moves bytea files to the store batch by batch, checked by hash, resumable, and skips a row whose bytes do not match', async () => {
    const { town, villages } = await buildTown(env);
    const visitor = await actorClient(env, 'visitor', villages[0].id);
    void town;
    const person = await buildPerson(env, {
      townId: town.id,
      villageId: villages[0].id,
      visitorId: visitor.id,
      supportStart: '2025-06-01',
    });
    const photos = Array.from({ length: 7 }, () => photo());
    const ids: number[] = [];
    for (const [i, p] of photos.entries()) {
      const res = await visitor.http.post(
        '/api/visits',
        visitBody(person.id, `2026-03-${String(10 + i).padStart(2, '0')}T10:00:00+08:00`, {
          photos: [{ data: p.toString('base64') }],
        }),
      );
      expect(res.statusCode).toBe(201);
      ids.push(res.json().id);
    }
    const [inline] = await env.ctx.db.query<{ n: number }>(
      sql('select count(*)::int as n from visit_files where visit_id = any($1::int[]) and not stored'),
      [ids],
    );
    expect(inline.n).toBe(7);
    // A row whose bytes were damaged in the database: never moved, reported.
    const [bad] = await env.ctx.db.query<{ id: number }>(
      sql(`update visit_files set content = '\\x89504e47'::bytea where visit_id = $1 returning id`),
      [ids[6]],
    );

    const dir = await tempFolder();
    const folder = withFiles(env.ctx, { kind: 'folder', dir, graceHours: 24 });
    // An interrupted run: the first batch, then the progress callback throws.
    let batches = 0;
    await expect(
      migrateFilesToStore(folder, {
        batch: 3,
        onProgress: () => {
          if (++batches === 1) throw new Error('中断');
        },
      }),
    ).rejects.toThrow('中断');
    const [half] = await env.ctx.db.query<{ n: number }>(
      sql('select count(*)::int as n from visit_files where visit_id = any($1::int[]) and stored'),
      [ids],
    );
    expect(half.n).toBe(3);
    let total = 0;
    const res = await migrateFilesToStore(folder, { batch: 3, onStart: (n) => (total = n) });
    expect(total).toBe(4);
    expect(res.moved).toBe(3);
    expect(res.mismatched).toEqual([{ table: 'visit_files', id: bad.id }]);
    // The rows now read from the store, the same bytes.
    const folderApp = await buildApp(folder);
    for (const [i, id] of ids.slice(0, 6).entries()) {
      const v = await folderApp.inject({
        method: 'GET',
        url: `/api/visits/${id}`,
        headers: { authorization: `Bearer ${visitor.token}` },
      });
      const f = await folderApp.inject({
        method: 'GET',
        url: v.json().photos[0].url,
        headers: { authorization: `Bearer ${visitor.token}` },
      });
      expect(f.rawPayload.equals(photos[i])).toBe(true);
    }
    await folderApp.close();
    const again = await migrateFilesToStore(folder, { batch: 3 });
    expect(again.moved).toBe(0);

    // Backup with the files in it, restored into an empty database with an empty store.
    const file = join(await tempFolder(), 'b.jsonl.gz');
    const m = await backup(env.ctx.db, file, undefined, { files: folder });
    expect(m.files).toMatchObject({ count: 6 });
    const target = await isolatedEnv({ ...shared, ctx: shared.ctx });
    try {
      await target.ctx.db.exec(sql('delete from areas'));
      const dir2 = await tempFolder();
      const restored = withFiles(target.ctx, { kind: 'folder', dir: dir2, graceHours: 24 });
      const back = await restore(target.ctx.db, file, undefined, { files: restored });
      expect(back.files).toMatchObject({ count: 6 });
      for (const p of photos.slice(0, 6))
        expect((await readFile(join(dir2, shardedName(sha256Of(p))))).equals(p)).toBe(true);
      expect((await verifyStoredFiles(restored, { read: true })).missing).toEqual([]);
    } finally {
      await target.drop();
    }
  });
});
