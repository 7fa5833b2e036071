/**
 * Shared by bench/trust-crash.ts and bench/trust-load.ts: a schema of its own on the PostgreSQL of
 * DATABASE_URL (dropped and rebuilt), one town with villages, officers and visitors, each visitor
 * responsible for some persons; and a server child process that can be started, killed and restarted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createClock } from '../src/server/clock.js';
import { createFieldCipher } from '../src/server/crypto/field-cipher.js';
import { openDb } from '../src/server/db/db.js';
import { migrate } from '../src/server/db/migrate.js';
import { sql } from '../src/server/db/sql.js';
import { insertArea } from '../src/server/modules/areas/repo.js';
import { hashPassword } from '../src/server/modules/auth/password.js';
import { insertPerson } from '../src/server/modules/persons/repo.js';
import { insertUser, replaceGrants } from '../src/server/modules/users/repo.js';
import { seedAreas } from '../src/server/seed/demo.js';
import { fakeIdNumber } from '../src/server/seed/fake.js';
import { maskIdNumber } from '../src/shared/id-card.js';

export const ROOT = join(import.meta.dirname, '..');
export const PASSWORD = 'Bench@2026pw';
export const KEY = '07'.repeat(32);

export function schemaUrl(base: string, schema: string) {
  const sep = base.includes('?') ? '&' : '?';
  return `${base}${sep}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

export interface Fixture {
  url: string;
  officers: string[];
  visitors: { username: string; personIds: number[] }[];
  personIds: number[];
}

export async function setupFixture(
  base: string,
  schema: string,
  o: { visitors: number; officers: number; personsPerVisitor: number },
): Promise<Fixture> {
  const admin = await openDb({ databaseUrl: base });
  await admin.exec(sql(`drop schema if exists ${schema} cascade; create schema ${schema}`));
  await admin.close();
  const url = schemaUrl(base, schema);
  const db = await openDb({ databaseUrl: url });
  await migrate(db);
  const fields = createFieldCipher([Buffer.from(KEY, 'hex')], Buffer.alloc(32, 9));
  const now = createClock().now();
  const hash = await hashPassword(PASSWORD);
  const areas = await db.tx((q) => seedAreas(q));
  const fx: Fixture = { url, officers: [], visitors: [], personIds: [] };
  await db.tx(async (q) => {
    const town = await insertArea(q, {
      parentId: areas.get('150602')!,
      code: '999000001',
      name: '压测镇',
      level: 'town',
    });
    const villages = [];
    for (let i = 1; i <= 10; i++) {
      villages.push(
        await insertArea(q, {
          parentId: town.id,
          code: `999000001${String(i).padStart(3, '0')}`,
          name: `压测村${i}`,
          level: 'village',
        }),
      );
    }
    for (let i = 0; i < o.officers; i++) {
      const username = `officer${i}`;
      const id = await insertUser(q, { username, displayName: `镇干部${i}`, passwordHash: hash, now });
      await replaceGrants(q, id, [{ role: 'town_officer', areaId: town.id, department: null }]);
      fx.officers.push(username);
    }
    let serial = 0;
    for (let i = 0; i < o.visitors; i++) {
      const username = `visitor${i}`;
      const vid = await insertUser(q, {
        username,
        displayName: `探访员${i}`,
        passwordHash: hash,
        visitorType: 'cadre',
        now,
      });
      await replaceGrants(q, vid, [{ role: 'visitor', areaId: town.id, department: null }]);
      const personIds: number[] = [];
      for (let j = 0; j < o.personsPerVisitor; j++) {
        serial++;
        const village = villages[serial % villages.length];
        // fakeIdNumber keeps the sex digit odd, so only odd serials are distinct; 500 per birth year.
        const birthDate = `${1930 + Math.floor(serial / 500)}-05-06`;
        const idNumber = fakeIdNumber(birthDate, 'male', ((serial % 500) * 2 + 1) % 1000, '152701');
        const pid = await insertPerson(q, {
          name: `压测对象${serial}`,
          idNumberEnc: fields.encrypt(idNumber),
          idNumberHash: fields.hash(idNumber),
          idNumberMasked: maskIdNumber(idNumber),
          birthDate,
          sex: 'male',
          townId: town.id,
          villageId: village.id,
          supportStart: '2020-01-01',
          selfCare: 'capable',
          tier: 'general',
          visitorId: vid,
          now,
        });
        await q.query(
          sql(
            `insert into person_assignments (person_id, visitor_id, kind, from_at) values ($1, $2, 'responsible', $3)`,
          ),
          [pid, vid, now],
        );
        personIds.push(pid);
        fx.personIds.push(pid);
      }
      fx.visitors.push({ username, personIds });
    }
  });
  await db.close();
  return fx;
}

export interface Server {
  url: string;
  proc: ChildProcess;
  exited: Promise<number | null>;
}

/** Starts `tanfang start` on the fixture's database; resolves when readiness answers ok. */
export async function startServer(
  dbUrl: string,
  port: number,
  extraEnv: Record<string, string> = {},
  nodeArgs: string[] = [],
  /** Another checkout to run (e.g. the code before a change, for a before/after measurement). */
  root = ROOT,
): Promise<Server> {
  const proc = spawn(process.execPath, [...nodeArgs, join(root, 'bin/tanfang.mjs'), 'start'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: dbUrl,
      TANFANG_SECRET_KEY: KEY,
      TANFANG_DEMO: '0',
      TANFANG_JOBS: '0',
      TANFANG_LOGIN_RATE_MAX: '100000',
      TANFANG_IDLE_MINUTES: '600',
      LOG_LEVEL: 'warn',
      ...extraEnv,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}`);
    try {
      if ((await fetch(`${url}/api/health?probe=ready`)).ok) return { url, proc, exited };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not become ready in 60 s');
}

export async function login(url: string, username: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  if (!res.ok) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}
