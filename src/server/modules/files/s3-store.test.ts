import { randomUUID } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv } from '../../../../test/context.js';
import { actorClient, buildPerson, buildTown } from '../../../../test/factories.js';
import { isolatedEnv } from '../../../../test/isolated-db.js';
import { startS3 } from '../../../../test/s3-server.js';
import { CHECKLIST_V1, fineAnswers } from '../../../shared/checklist.js';
import type { S3Settings } from '../../config.js';
import { sql } from '../../db/sql.js';
import { s3Store } from './s3-store.js';
import { sweepOrphanFiles } from './service.js';
import { FileCorruptError, sha256Of, shardedName } from './store.js';

// The S3 backend against s3rver, an S3-protocol server from npm (test/s3-server.ts): the SDK's
// requests (PUT, GET, HEAD, DELETE, ListObjects paged by marker) over HTTP with signature V4.
const shared = await testEnv();
let s3: Awaited<ReturnType<typeof startS3>>;
let settings: S3Settings;
beforeAll(async () => {
  s3 = await startS3();
  settings = s3.settings;
});
afterAll(async () => s3.stop());

const bytesOf = () => Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), Buffer.from(randomUUID())]);

describe('S3 store', () => {
  it('puts, reads back checked, lists across pages, refuses damaged objects and deletes', async () => {
    const store = s3Store(settings);
    const a = bytesOf();
    const sha = await store.put(a);
    expect(sha).toBe(sha256Of(a));
    expect((await store.get(sha))?.equals(a)).toBe(true);
    expect(await store.has(sha)).toBe(true);
    expect(await store.get(sha256Of(Buffer.from('absent')))).toBeNull();
    expect(await store.has(sha256Of(Buffer.from('absent')))).toBe(false);
    // More than one page of ListObjects (1,000 keys a page, as S3).
    // (20 at a time: s3rver's folder breaks under a thousand concurrent writes)
    const more: string[] = [];
    for (let i = 0; i < 1005; i += 20)
      more.push(
        ...(await Promise.all(Array.from({ length: Math.min(20, 1005 - i) }, () => store.put(bytesOf())))),
      );
    const listed = new Set<string>();
    for await (const o of store.list()) listed.add(o.sha256);
    expect(listed.size).toBe(1006);
    expect(listed.has(more[1004])).toBe(true);
    // Bytes changed behind the store's back are refused, never served.
    const raw = new S3Client({
      region: settings.region,
      endpoint: settings.endpoint,
      forcePathStyle: true,
      credentials: settings.credentials,
    });
    await raw.send(
      new PutObjectCommand({
        Bucket: settings.bucket,
        Key: `${settings.prefix}${shardedName(sha)}`,
        Body: 'x',
      }),
    );
    raw.destroy();
    await expect(store.get(sha)).rejects.toBeInstanceOf(FileCorruptError);
    await store.delete(sha);
    await store.delete(sha);
    expect(await store.has(sha)).toBe(false);
    for (const m of more) await store.delete(m);
    store.close?.();
  }, 120_000);

  it('serves a visit photo stored in the bucket, and the sweeper keeps it while removing an orphan', async () => {
    // A database of its own: rows naming S3 objects stay out of the shared one (whose backup test
    // reads the store the run is configured with).
    const env = await isolatedEnv({
      ...shared,
      ctx: {
        ...shared.ctx,
        config: { ...shared.ctx.config, files: { kind: 's3', s3: settings, graceHours: 24 } },
      },
    });
    const { ctx } = env;
    const { town, villages } = await buildTown(env);
    const visitor = await actorClient(env, 'visitor', villages[0].id);
    const person = await buildPerson(env, {
      townId: town.id,
      villageId: villages[0].id,
      visitorId: visitor.id,
      supportStart: '2025-06-01',
    });
    const photo = bytesOf();
    const res = await visitor.http.post('/api/visits', {
      clientId: randomUUID(),
      personId: person.id,
      at: '2026-03-15T10:00:00+08:00',
      method: 'in_person',
      outcome: 'reached',
      answers: fineAnswers(CHECKLIST_V1, { heating: true, flood: false }),
      photos: [{ data: photo.toString('base64') }],
    });
    expect(res.statusCode, res.body).toBe(201);
    const [row] = await ctx.db.query<{ stored: boolean; sha256: string }>(
      sql('select stored, sha256 from visit_files where visit_id = $1'),
      [res.json().id],
    );
    expect(row).toEqual({ stored: true, sha256: sha256Of(photo) });
    const got = await visitor.http.get(res.json().photos[0].url);
    expect(got.rawPayload.equals(photo)).toBe(true);

    const store = s3Store(settings);
    const orphan = await store.put(bytesOf());
    const swept = await sweepOrphanFiles(ctx, { graceHours: 0 });
    expect(swept.removed).toBeGreaterThanOrEqual(1);
    expect(await store.has(orphan)).toBe(false);
    expect(await store.has(row.sha256)).toBe(true);
    store.close?.();
    await env.drop();
  });
});
