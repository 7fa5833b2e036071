/**
 * What a visit's two statements cost PostgreSQL, before and after a change: the visit's one read
 * (`visitContext`) and its one write (`insertVisit`), as the repositories of this checkout and of
 * another (`--base`, e.g. a worktree at the commit before) write them for bench/run.ts's request,
 * run on one connection in alternating blocks, with that backend's CPU time read from /proc. One
 * connection and no HTTP: the figure is the database's work alone, steadier than visits a second on
 * two shared cores (bench/submit-ab.ts), which it complements.
 *
 *   npx tsx bench/visit-statements.ts --base /work/wt/base [--db …1000000x3] [--per-block 300 --blocks 8]
 *     [--flagged]   (the new insert stores a "too many" signal, as bench/run.ts's visits after the 12th)
 *
 * The database is bench/run.ts's template (`npm run bench -- --only pgdata --persons 1000000
 * --months 3`); the visits written are deleted at the end.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { auditChainOf } from '../src/server/modules/audit/repo.js';
import { authenticityAssessor } from '../src/server/modules/authenticity/service.js';
import * as newRepo from '../src/server/modules/visits/repo.js';
import { CHECKLIST_V1, fineAnswers } from '../src/shared/checklist.js';
import { chinaDate, chinaDayBounds, chinaMonthBounds } from '../src/shared/china-time.js';
import { seasonFlags } from '../src/shared/schedule.js';
import { pickActors } from './fixtures.js';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string' },
    db: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/tanfang_bench_tpl_1000000x3' },
    'per-block': { type: 'string', default: '300' },
    blocks: { type: 'string', default: '8' },
    flagged: { type: 'boolean', default: false },
  },
});
if (!args.base) throw new Error('--base <checkout of the code before the change> is required');
const baseRepo: typeof newRepo = await import(join(args.base, 'src/server/modules/visits/repo.ts'));

const c = new pg.Client({ connectionString: args.db });
await c.connect();
const [{ pid }] = (await c.query('select pg_backend_pid() as pid')).rows;
const TICK_MS = 10; // CLK_TCK 100
/** The backend's user + system CPU time in ms. */
const cpuMs = () => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) * TICK_MS;
};

const { openDb } = await import('../src/server/db/db.js');
const db = await openDb({ databaseUrl: args.db! });
const actors = await pickActors(db);
await db.close();
const [{ id: visitorId }] = (await c.query('select id from users where username = $1', [actors.visitor]))
  .rows;
const persons = (
  await c.query('select id, town_id, village_id from persons where id = any($1::int[])', [
    actors.visitorPersonIds,
  ])
).rows;
const [{ top }] = (await c.query('select coalesce(max(id), 0)::text as top from visits')).rows;

// bench/run.ts's clock and request: in person, the full checklist, an hour before "now".
const now = new Date('2026-11-20T02:00:00Z');
const at = new Date(now.getTime() - 3600000);
const answers = fineAnswers(CHECKLIST_V1, seasonFlags(chinaDate(at)));
const scope = { userId: visitorId, all: false, areaIds: [], visitor: true, departments: [] };
const day = chinaDayBounds(at);
const month = chinaMonthBounds(at);
const signal = {
  rule: 'too_many',
  reason: '该探访人当天已有 13 次上门探访（超过 12 次）',
  evidence: { count: 13, limit: 12 },
};

type Statement = { name: string; text: string; values: unknown[] };
/** The statement a repository function would run (captured, not run). */
async function captured(rows: unknown[], call: (q: any) => Promise<unknown>): Promise<Statement> {
  const box = {} as Statement;
  await call({
    query: async (text: string, values: unknown[]) => {
      Object.assign(box, { text, values });
      return rows;
    },
  });
  return box;
}

async function statement(code: 'base' | 'new', what: 'read' | 'insert', p: any): Promise<Statement> {
  const repo = code === 'base' ? baseRepo : newRepo;
  const clientId = randomUUID();
  const auditChain = auditChainOf(`visit:${clientId}`);
  const s =
    what === 'read'
      ? await captured([{}], (q) =>
          repo.visitContext(q, {
            personId: p.id,
            clientId,
            scope,
            now,
            auditChain,
            at,
            assess:
              code === 'new'
                ? {
                    settingKeys: authenticityAssessor.settingKeys,
                    sqlOf: (params) =>
                      authenticityAssessor.inputsSql(params, {
                        at,
                        inPerson: true,
                        hasLocation: false,
                        photoHashes: [],
                        answersHash: null,
                        dayStart: day.start,
                        dayEnd: day.end,
                        monthStart: month.start,
                        monthEnd: month.end,
                        personExpr: 'p.id',
                        visitorExpr: () => {
                          params.push(visitorId);
                          return `coalesce($${params.length}::int, p.visitor_id)`;
                        },
                      }),
                  }
                : undefined,
          }),
        )
      : await captured([], (q) =>
          repo.insertVisit(
            q,
            {
              clientId,
              personId: p.id,
              visitorId,
              townId: p.town_id,
              villageId: p.village_id,
              at,
              method: 'in_person',
              outcome: 'reached',
              qualifying: true,
              answers,
              notes: null,
              recordedBy: visitorId,
              durationMinutes: 30,
              checklistVersion: CHECKLIST_V1.version,
              seasons: [],
              locationConsent: false,
              latitude: null,
              longitude: null,
              photoCount: 0,
              hasSignature: false,
              recordedAt: now,
              auth: {
                locationAccuracy: null,
                openedAt: null,
                submittedAt: null,
                photoMeta: null,
                photoHashes: null,
                answersHash: null,
                signals: args.flagged ? [signal as never] : null,
              },
            },
            {},
            {
              kind: 'visit',
              title: '上门探访：见到本人',
              detail: { method: 'in_person', outcome: 'reached' },
              actorId: visitorId,
            },
            {
              at: now,
              actorId: visitorId,
              action: 'visit.record',
              entity: 'visit',
              areaId: p.village_id,
              chain: auditChain,
              detail: { personId: p.id, method: 'in_person', outcome: 'reached' },
            },
          ),
        );
  // Prepared as the server prepares them (db/sql.ts `prepared`): one name per code and statement.
  return { ...s, name: `${code}-${what}` };
}

const perBlock = Number(args['per-block']);
const used: Record<string, { cpu: number; wall: number; n: number }> = {};
let k = 0;
for (let b = 0; b < Number(args.blocks); b++) {
  const order = b % 2 ? (['new', 'base'] as const) : (['base', 'new'] as const);
  for (const code of order)
    for (const what of ['read', 'insert'] as const) {
      const list: Statement[] = [];
      for (let i = 0; i < perBlock; i++)
        list.push(await statement(code, what, persons[k++ % persons.length]));
      for (const s of list.slice(0, 10)) await c.query(s); // planned and cached first
      const c0 = cpuMs();
      const t0 = performance.now();
      for (const s of list.slice(10)) await c.query(s);
      used[`${what} ${code}`] ??= { cpu: 0, wall: 0, n: 0 };
      const u = used[`${what} ${code}`];
      u.cpu += cpuMs() - c0;
      u.wall += performance.now() - t0;
      u.n += list.length - 10;
    }
}
for (const what of ['read', 'insert']) {
  const [b, n] = [used[`${what} base`], used[`${what} new`]];
  const us = (x: { cpu: number; n: number }) => (x.cpu / x.n) * 1000;
  console.log(
    `${what}: backend CPU a statement base ${us(b).toFixed(0)} µs, new ${us(n).toFixed(0)} µs (${(us(n) - us(b)).toFixed(0)} µs); round trip base ${((b.wall / b.n) * 1000).toFixed(0)} µs, new ${((n.wall / n.n) * 1000).toFixed(0)} µs`,
  );
}
await c.query(
  `update visit_tasks set status = 'open', status_at = null, status_reason = null, visit_id = null
    where visit_id > $1`,
  [top],
);
await c.query('delete from visits where id > $1', [top]);
await c.end();
