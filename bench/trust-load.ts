/**
 * Load test (issue 9): 200 concurrent users for 2 minutes on PostgreSQL, on a mix of lists, person
 * pages and visit submissions; prints p50/p95/p99 and errors.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/tanfang npx tsx bench/trust-load.ts
 *
 * Options (env): LOAD_USERS (200), LOAD_SECONDS (120), LOAD_PORT (3192), LOAD_SCHEMA (bench_load),
 * LOAD_ROOT (another checkout's server on the same fixture, for before/after runs), LOAD_RATE
 * (requests per second per user, a whole number; unset: each user sends the next request as soon as
 * the last one is answered — a stress test, no person clicks 4 times a second), LOAD_NODE_ARGS (node
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
const result = await autocannon({
  url: server.url,
  connections: USERS,
  ...(RATE ? { connectionRate: RATE } : {}),
  duration: SECONDS,
  timeout: 30,
  requests: [
    {
      setupRequest: (req: Record<string, unknown>) => {
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
        return { ...req, ...out };
      },
    },
  ],
});
server.proc.kill('SIGTERM');
await server.exited;
const l = result.latency;
const summary = {
  users: USERS,
  ratePerUser: RATE ?? 'closed loop',
  seconds: SECONDS,
  requests: result.requests.total,
  perSecond: Math.round(result.requests.average),
  p50: l.p50,
  p90: l.p90,
  p97_5: l.p97_5,
  p99: l.p99,
  max: l.max,
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  mix: kinds,
};
console.log(JSON.stringify(summary));
console.log(
  `\n| users | s | requests | req/s | p50 ms | p90 ms | p97.5 ms | p99 ms | non-2xx | errors |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n| ${USERS} | ${SECONDS} | ${summary.requests} | ${summary.perSecond} | ${l.p50} | ${l.p90} | ${l.p97_5} | ${l.p99} | ${result.non2xx} | ${result.errors} |`,
);
