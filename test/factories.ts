import { randomBytes } from 'node:crypto';
import { sql } from '../src/server/db/sql.js';
import { insertArea } from '../src/server/modules/areas/repo.js';
import { hashPassword } from '../src/server/modules/auth/password.js';
import { insertPerson } from '../src/server/modules/persons/repo.js';
import { insertUser, replaceGrants } from '../src/server/modules/users/repo.js';
import { fakeIdNumber } from '../src/server/seed/fake.js';
import { maskIdNumber } from '../src/shared/id-card.js';
import { tierOf } from '../src/shared/person.js';
import type { Department, Role } from '../src/shared/roles.js';
import type { TestEnv } from './context.js';

export const TEST_PASSWORD = 'Test@2026pw';
let cachedHash: Promise<string> | undefined;
const uniq = () => randomBytes(4).toString('hex');

/** A fresh town (with `villages` villages) under the district, so the test sees only its own data. */
export async function buildTown(env: TestEnv, villages = 2) {
  const code = `9${Math.floor(Math.random() * 1e8)
    .toString()
    .padStart(8, '0')}`;
  const town = await insertArea(env.ctx.db, {
    parentId: env.districtId,
    code,
    name: `测试镇${uniq()}`,
    level: 'town',
  });
  const villageRows = [];
  for (let i = 1; i <= villages; i++) {
    villageRows.push(
      await insertArea(env.ctx.db, {
        parentId: town.id,
        code: `${code}${String(i).padStart(3, '0')}`,
        name: `测试村${i}`,
        level: 'village',
      }),
    );
  }
  return { town, villages: villageRows };
}

/** A user with one role; the username is unique per call. */
export async function buildUser(
  env: TestEnv,
  role: Role,
  areaId: number,
  opts: { department?: Department; username?: string } = {},
) {
  cachedHash ??= hashPassword(TEST_PASSWORD);
  const username = opts.username ?? `${role.replace(/_/g, '')}-${uniq()}`;
  const id = await insertUser(env.ctx.db, {
    username,
    displayName: `测试${role}`,
    passwordHash: await cachedHash,
    visitorType: role === 'visitor' ? 'cadre' : null,
    now: env.ctx.clock.now(),
  });
  await replaceGrants(env.ctx.db, id, [{ role, areaId, department: opts.department ?? null }]);
  return { id, username };
}

/** Logs in through the API and returns what a client holds afterwards. */
export async function login(env: TestEnv, username: string, password = TEST_PASSWORD) {
  const res = await env.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username, password },
  });
  if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode} ${res.body}`);
  const body = res.json();
  const cookies = Object.fromEntries(res.cookies.map((c) => [c.name, c.value]));
  return { token: body.token as string, csrf: body.csrfToken as string, cookies, user: body.user };
}

/** A client bound to one bearer token: `as.get(url)`, `as.post(url, body)`… */
export function client(env: TestEnv, token: string) {
  const call = (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE') => (url: string, payload?: unknown) =>
    env.app.inject({ method, url, payload: payload as any, headers: { authorization: `Bearer ${token}` } });
  return {
    get: call('GET'),
    post: call('POST'),
    patch: call('PATCH'),
    put: call('PUT'),
    delete: call('DELETE'),
  };
}

/** Builds a user and logs in: the usual first line of an integration test. */
export async function actorClient(
  env: TestEnv,
  role: Role,
  areaId: number,
  opts: { department?: Department } = {},
) {
  const u = await buildUser(env, role, areaId, opts);
  const s = await login(env, u.username);
  return { ...u, ...s, http: client(env, s.token) };
}

let personSerial = 0;

/**
 * A person inserted straight into the tables (active, assigned when visitorId is given), with a
 * valid encrypted ID number. Overrides pick tier, status dates and area.
 */
export async function buildPerson(
  env: TestEnv,
  o: {
    townId: number;
    villageId: number;
    visitorId?: number | null;
    selfCare?: 'capable' | 'partial' | 'none';
    supportStart?: string;
    birthDate?: string;
    name?: string;
  },
) {
  const birthDate = o.birthDate ?? '1950-03-04';
  const idNumber = freshIdNumber(birthDate, 'male');
  ++personSerial;
  const selfCare = o.selfCare ?? 'capable';
  const f = env.ctx.fields;
  const now = env.ctx.clock.now();
  const id = await env.ctx.db.tx(async (q) => {
    const id = await insertPerson(q, {
      name: o.name ?? `测试对象${personSerial}`,
      idNumberEnc: f.encrypt(idNumber),
      idNumberHash: f.hash(idNumber),
      idNumberMasked: maskIdNumber(idNumber),
      birthDate,
      sex: 'male',
      townId: o.townId,
      villageId: o.villageId,
      supportStart: o.supportStart ?? '2020-01-01',
      selfCare,
      tier: tierOf(selfCare),
      visitorId: o.visitorId ?? null,
      now,
    });
    if (o.visitorId) {
      await q.query(
        sql(
          `insert into person_assignments (person_id, visitor_id, kind, from_at) values ($1, $2, 'responsible', $3)`,
        ),
        [id, o.visitorId, now],
      );
    }
    return id;
  });
  return { id, idNumber };
}

const usedIdNumbers = new Set<string>();
/**
 * A valid 18-digit ID number (random region and serial) not handed out before in this test run: the
 * ID number is unique among live files, and every test shares one database.
 */
export function freshIdNumber(birthDate = '1948-06-15', sex: 'male' | 'female' = 'female') {
  for (;;) {
    const region = `15${String(Math.floor(Math.random() * 9000) + 1000)}`;
    const v = fakeIdNumber(birthDate, sex, Math.floor(Math.random() * 1000), region);
    if (!usedIdNumbers.has(v)) {
      usedIdNumbers.add(v);
      return v;
    }
  }
}

/** A multipart/form-data body with one file field, for app.inject uploads. */
export function multipartFile(content: Buffer, filename = 'roster.xlsx', field = 'file') {
  const boundary = `----tanfang${uniq()}${uniq()}`;
  const payload = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n` +
        'Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n',
    ),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
