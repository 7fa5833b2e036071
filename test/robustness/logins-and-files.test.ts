import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/server/db/sql.js';
import { type TestEnv, testEnv } from '../context.js';
import { actorClient, buildPerson, buildTown, buildUser, TEST_PASSWORD } from '../factories.js';

/**
 * The standing attack suite, logins and files: many logins at once (each user gets in once, a burst
 * of guesses at one account checks at most five of them), and files whose content is not what they
 * claim on every route that takes a file.
 */

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});

const login = (username: string, password: string) =>
  env.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });

describe('concurrent logins', () => {
  it('20 users logging in at once all get in; 30 guesses at once at one account check at most 5 and lock it', async () => {
    const { town } = await buildTown(env, 0);
    const users = await Promise.all(Array.from({ length: 20 }, () => buildUser(env, 'visitor', town.id)));
    const answers = await Promise.all(users.map((u) => login(u.username, TEST_PASSWORD)));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(20).fill(200));

    const target = await buildUser(env, 'visitor', town.id);
    const guesses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => login(target.username, `Guess@${i}x`)),
    );
    // 401, or 429 once the per-name limit of the address is used up.
    expect(guesses.every((g) => g.statusCode === 401 || g.statusCode === 429)).toBe(true);
    const checked = await env.ctx.db.query<{ n: number }>(
      sql(`select count(*)::int as n from audit_log
        where entity = 'user' and entity_id = $1 and action in ('login.failed', 'login.locked')
          and coalesce(detail->>'locked', 'false') <> 'true'`),
      [String(target.id)],
    );
    expect(checked[0].n).toBeLessThanOrEqual(5);
    expect([401, 429]).toContain((await login(target.username, TEST_PASSWORD)).statusCode);
    const [row] = await env.ctx.db.query<{ locked_until: Date | null }>(
      sql('select locked_until from users where id = $1'),
      [target.id],
    );
    expect(row.locked_until).not.toBeNull();
  });
});

describe('files that are not what they claim', () => {
  const html = Buffer.from('<!doctype html><script>fetch("/api/persons")</script>');
  const exe = Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00', 'latin1');

  it('are refused as visit photos, evidence and scans, whatever their name and declared type', async () => {
    const { town, villages } = await buildTown(env, 1);
    const officer = await actorClient(env, 'town_officer', town.id);
    // Visit photo (type told by its bytes only).
    const person = await buildPerson(env, { townId: town.id, villageId: villages[0].id });
    const visit = await officer.http.post('/api/visits', {
      clientId: crypto.randomUUID(),
      personId: person.id,
      at: new Date().toISOString(),
      method: 'in_person',
      outcome: 'reached',
      photos: [{ data: html.toString('base64'), name: 'photo.jpg' }],
    });
    expect([visit.statusCode, visit.json().field]).toEqual([400, 'photos.0']);
    // Care agreement scan declared as PDF / PNG.
    for (const [type, body] of [
      ['application/pdf', html],
      ['image/png', exe],
    ] as const) {
      const b = 'attackBoundary9zX';
      const payload = Buffer.concat([
        Buffer.from(
          `--${b}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nagreement\r\n` +
            `--${b}\r\nContent-Disposition: form-data; name="file"; filename="scan.pdf"\r\nContent-Type: ${type}\r\n\r\n`,
        ),
        body,
        Buffer.from(`\r\n--${b}--\r\n`),
      ]);
      const m = { headers: { 'content-type': `multipart/form-data; boundary=${b}` } };
      const res = await env.app.inject({
        method: 'POST',
        url: '/api/care-agreements/1/scans',
        payload,
        headers: { ...m.headers, authorization: `Bearer ${officer.token}` },
      });
      expect([res.statusCode, res.json().field], res.body).toEqual([400, 'file']);
    }
  });
});
