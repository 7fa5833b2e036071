/**
 * Load test (issue 9): 200 concurrent users for 2 minutes on PostgreSQL, on a mix of lists, person
 * pages and visit submissions; prints p50/p95/p99 and errors.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/tanfang npx tsx bench/trust-load.ts
 *
 * Options (env): LOAD_USERS (200), LOAD_SECONDS (120), LOAD_PORT (3192), LOAD_SCHEMA (bench_load),
 * LOAD_ROOT (another checkout's server on the same fixture, for before/after runs), LOAD_RATE
 * (requests per second per user; unset: each user sends the next request as soon as the last one is
 * answered — a stress test, no person clicks 4 times a second), LOAD_BURST=1 (with LOAD_RATE: all
 * users' requests in the same tick each second, autocannon's connectionRate — a worst case; without
 * it the users are paced and their starts spread over the first second), LOAD_NODE_ARGS (node
 * options for the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to see where its time goes).
 * The mix per request: 35 % person list (officer), 25 % person page (officer), 10 % a person's
 * visits (officer), 10 % the visitor's task list, 20 % visit submission (visitor, own person).
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { CHECKLIST_V1, fineAnswers } from '../src/shared/checklist.js';
import { chinaDate } from '../src/shared/china-time.js';
import { seasonFlags } from '../src/shared/schedule.js';
import { login, setupFixture, startServer } from './trust-setup.js';

const base = process.env.DATABASE_URL;
if (!base) {
  console.error('DATABASE_URL (PostgreSQL) is required');
  process.exit(1);
}
const USERS = Number(process.env.LOAD_USERS ?? 200);
const SECONDS = Number(process.env.LOAD_SECONDS ?? 120);
const RATE = process.env.LOAD_RATE ? Number(process.env.LOAD_RATE) : undefined;
const PORT = Number(process.env.LOAD_PORT ?? 3192);
const SCHEMA = process.env.LOAD_SCHEMA ?? 'bench_load';
const visitorsN = Math.floor(USERS * 0.8);
const officersN = USERS - visitorsN;

const fx = await setupFixture(base, SCHEMA, {
  visitors: visitorsN,
  officers: officersN,
  personsPerVisitor: 10,
});
const server = await startServer(
  fx.url,
  PORT,
  { TANFANG_PG_POOL: process.env.TANFANG_PG_POOL ?? '20' },
  process.env.LOAD_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
  process.env.LOAD_ROOT || undefined,
);
const officerTokens: string[] = [];
for (const o of fx.officers) officerTokens.push(await login(server.url, o));
const visitorTokens: string[] = [];
for (const v of fx.visitors) visitorTokens.push(await login(server.url, v.username));
const at = new Date(Date.now() - 3600000);
const answers = JSON.stringify(fineAnswers(CHECKLIST_V1, seasonFlags(chinaDate(at))));

let n = 0;
const kinds: Record<string, number> = {};
const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];

/** The next request of the mix: its kind, method, path, headers and body. */
function nextRequest(): {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
} {
  const r = Math.random();
  const i = n++;
  const officer = officerTokens[i % officerTokens.length];
  const vi = i % visitorTokens.length;
  const person = pick(fx.personIds);
  let kind: string;
  let out: Record<string, unknown>;
  if (r < 0.35) {
    kind = 'list persons';
    out = {
      method: 'GET',
      path: '/api/persons?limit=50',
      headers: { authorization: `Bearer ${officer}` },
    };
  } else if (r < 0.6) {
    kind = 'person page';
    out = {
      method: 'GET',
      path: `/api/persons/${person}`,
      headers: { authorization: `Bearer ${officer}` },
    };
  } else if (r < 0.7) {
    kind = 'person visits';
    out = {
      method: 'GET',
      path: `/api/persons/${person}/visits?limit=20`,
      headers: { authorization: `Bearer ${officer}` },
    };
  } else if (r < 0.8) {
    kind = 'visitor tasks';
    out = {
      method: 'GET',
      path: '/api/visit-tasks?limit=50',
      headers: { authorization: `Bearer ${visitorTokens[vi]}` },
    };
  } else {
    kind = 'visit submit';
    out = {
      method: 'POST',
      path: '/api/visits',
      headers: { authorization: `Bearer ${visitorTokens[vi]}`, 'content-type': 'application/json' },
      body: `{"clientId":"${randomUUID()}","personId":${pick(fx.visitors[vi].personIds)},"at":"${at.toISOString()}","method":"in_person","outcome":"reached","durationMinutes":25,"answers":${answers}}`,
    };
  }
  kinds[kind] = (kinds[kind] ?? 0) + 1;
  return {
    kind,
    ...(out as { method: string; path: string; headers: Record<string, string>; body?: string }),
  };
}

interface Summary {
  requests: number;
  perSecond: number;
  p50: number;
  p90: number;
  p95: number | null;
  p97_5: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
}

/**
 * Paced users (LOAD_RATE set, LOAD_BURST unset): each user sends RATE requests a second over its own
 * kept-alive connection, waiting for each answer (a person clicks, reads, clicks again); the users'
 * first requests are spread evenly over the first second, so 200 users at 1 a second arrive as 200
 * requests a second, not as one burst of 200 every second (which is what autocannon's connectionRate
 * does: every connection's timer starts in the same tick). Latency is from sending to the last byte.
 */
async function pacedUsers(rate: number): Promise<Summary> {
  const http = await import('node:http');
  const lat: number[] = [];
  let non2xx = 0;
  let errors = 0;
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  const send = (agent: InstanceType<typeof http.Agent>) =>
    new Promise<void>((resolve) => {
      const r = nextRequest();
      const t = performance.now();
      const req = http.request(
        `${server.url}${r.path}`,
        { method: r.method, headers: r.headers, agent },
        (res) => {
          res.on('data', () => {});
          res.on('end', () => {
            lat.push(performance.now() - t);
            if ((res.statusCode ?? 0) >= 300) non2xx++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(r.body);
    });
  await Promise.all(
    Array.from({ length: USERS }, async (_, u) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      for (let k = 0; ; k++) {
        const due = t0 + ((u / USERS + k) * 1000) / rate;
        if (due >= end) break;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        await send(agent);
      }
      agent.destroy();
    }),
  );
  lat.sort((a, b) => a - b);
  const q = (p: number) => Math.round(lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] ?? 0);
  return {
    requests: lat.length,
    perSecond: Math.round(lat.length / SECONDS),
    p50: q(0.5),
    p90: q(0.9),
    p95: q(0.95),
    p97_5: q(0.975),
    p99: q(0.99),
    max: Math.round(lat[lat.length - 1] ?? 0),
    non2xx,
    errors,
  };
}

/** autocannon: closed loop (LOAD_RATE unset), or every user's request in the same tick each second (LOAD_BURST=1). */
async function autocannonUsers(): Promise<Summary & { timeouts: number }> {
  const result = await autocannon({
    url: server.url,
    connections: USERS,
    ...(RATE ? { connectionRate: RATE } : {}),
    duration: SECONDS,
    timeout: 30,
    requests: [
      {
        setupRequest: (req: Record<string, unknown>) => {
          const { kind: _kind, ...out } = nextRequest();
          return { ...req, ...out };
        },
      },
    ],
  });
  const l = result.latency;
  return {
    requests: result.requests.total,
    perSecond: Math.round(result.requests.average),
    p50: l.p50,
    p90: l.p90,
    p95: null,
    p97_5: l.p97_5,
    p99: l.p99,
    max: l.max,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

const mode =
  RATE && process.env.LOAD_BURST !== '1'
    ? 'paced users, staggered'
    : RATE
      ? 'burst (autocannon connectionRate)'
      : 'closed loop (autocannon)';
const res = mode.startsWith('paced') ? await pacedUsers(RATE!) : await autocannonUsers();
server.proc.kill('SIGTERM');
await server.exited;
const summary = {
  users: USERS,
  ratePerUser: RATE ?? 'closed loop',
  mode,
  seconds: SECONDS,
  ...res,
  mix: kinds,
};
console.log(JSON.stringify(summary));
console.log(
  `\n| users | mode | s | requests | req/s | p50 ms | p90 ms | p95 ms | p97.5 ms | p99 ms | non-2xx | errors |\n| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n| ${USERS} | ${mode} | ${SECONDS} | ${res.requests} | ${res.perSecond} | ${res.p50} | ${res.p90} | ${res.p95 ?? '—'} | ${res.p97_5} | ${res.p99} | ${res.non2xx} | ${res.errors} |`,
);
