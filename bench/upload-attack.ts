/**
 * The upload attack of issue 27 (H1), long form, against a real server process on PostgreSQL:
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/tanfang npx tsx bench/upload-attack.ts
 *
 * 1. ROUNDS × 8 parallel dry-run roster imports of a ~200 kB .xlsx whose one cell holds 200 MB of
 *    text (honest zip sizes: it passes the zip checks);
 * 2. one roster whose rows run past the row limit without declaring it (250,000 rows);
 * 3. one disbursement list of PAY_ROWS rows (dry run; the 9.4 MB list of the probe blocked every
 *    request for 10 s);
 * meanwhile 10 other users each ask for their person list every 50 ms, timed, and the server's
 * resident memory (VmRSS of /proc, worker threads included) is sampled every 50 ms. Prints the
 * answers, the others' p50/p95/max latency, peak RSS and whether the server is still up and its
 * scratch folder empty. Options (env): ATTACK_ROUNDS (3), ATTACK_CELL_MB (200), PAY_ROWS (150000),
 * ATTACK_SCHEMA (bench_upload).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hugeCellXlsx, inlineRow, ROSTER_HEADER, xlsxOfRows } from '../test/attack-files.js';
import { freePort } from '../test/free-port.js';
import { login, setupFixture, startServer } from './trust-setup.js';

const base = process.env.DATABASE_URL;
if (!base) throw new Error('DATABASE_URL is required (PostgreSQL)');
const ROUNDS = Number(process.env.ATTACK_ROUNDS ?? 3);
const CELL = Number(process.env.ATTACK_CELL_MB ?? 200) * 1_000_000;
const PAY_ROWS = Number(process.env.PAY_ROWS ?? 150_000);
const schema = process.env.ATTACK_SCHEMA ?? 'bench_upload';

const fx = await setupFixture(base, schema, { visitors: 10, officers: 2, personsPerVisitor: 20 });
const server = await startServer(fx.url, await freePort(), { LOG_LEVEL: 'error' });
const pid = server.proc.pid!;
const officer = await login(server.url, fx.officers[0]);
const others = await Promise.all(fx.visitors.map((v) => login(server.url, v.username)));

const rssMb = () => {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
};
let peak = 0;
const sampler = setInterval(() => {
  peak = Math.max(peak, rssMb());
}, 50);

/** Other users' requests, timed, until stopped. */
function othersLoop() {
  const times: number[] = [];
  const errors: string[] = [];
  let go = true;
  const loops = others.map(async (token) => {
    while (go) {
      const t = performance.now();
      try {
        const r = await fetch(`${server.url}/api/persons?limit=20`, {
          headers: { authorization: `Bearer ${token}` },
        });
        await r.arrayBuffer();
        if (r.status !== 200) errors.push(String(r.status));
      } catch (e) {
        errors.push((e as Error).message);
      }
      times.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  return async () => {
    go = false;
    await Promise.all(loops);
    times.sort((a, b) => a - b);
    const q = (p: number) => times[Math.min(times.length - 1, Math.floor(times.length * p))] ?? 0;
    return { n: times.length, p50: q(0.5), p95: q(0.95), max: q(1), errors };
  };
}

async function upload(url: string, file: Buffer, name: string) {
  const fd = new FormData();
  fd.append('file', new Blob([new Uint8Array(file)]), name);
  const t = performance.now();
  try {
    const r = await fetch(`${server.url}${url}`, {
      method: 'POST',
      body: fd,
      headers: { authorization: `Bearer ${officer}` },
    });
    const text = await r.text();
    return { status: r.status, ms: performance.now() - t, bytes: text.length, body: text.slice(0, 120) };
  } catch (e) {
    return { status: 0, ms: performance.now() - t, bytes: 0, body: (e as Error).message };
  }
}

const ms = (x: number) => `${Math.round(x)} ms`;
const report = (
  label: string,
  answers: Awaited<ReturnType<typeof upload>>[],
  o: Awaited<ReturnType<ReturnType<typeof othersLoop>>>,
) => {
  const byStatus: Record<string, number> = {};
  for (const a of answers) byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
  console.log(
    `${label}: answers ${JSON.stringify(byStatus)} (slowest ${ms(Math.max(...answers.map((a) => a.ms)))}, largest ${Math.max(...answers.map((a) => a.bytes))} B)` +
      `; others ${o.n} requests p50 ${ms(o.p50)} p95 ${ms(o.p95)} max ${ms(o.max)}, errors ${o.errors.length}; peak RSS ${Math.round(peak)} MB`,
  );
  for (const a of answers.filter((x) => x.status >= 500 || x.status === 0))
    console.log(`  ${a.status} ${a.body}`);
};

console.log(`server pid ${pid}, RSS at start ${Math.round(rssMb())} MB`);
const t0 = performance.now();
const huge = hugeCellXlsx(CELL, 'shared');
console.log(
  `hostile file: ${(huge.length / 1024).toFixed(0)} kB zipped, one cell of ${CELL / 1e6} MB (built in ${ms(performance.now() - t0)})`,
);
for (let round = 1; round <= ROUNDS; round++) {
  peak = rssMb();
  const stop = othersLoop();
  const answers = await Promise.all(
    Array.from({ length: 8 }, () => upload('/api/persons/import?dryRun=true', huge, 'roster.xlsx')),
  );
  report(`round ${round}, 8 × ${CELL / 1e6} MB cell`, answers, await stop());
}

// Rows past the limit, not declared: read until the limit, then refused.
{
  const rows = [inlineRow(1, ROSTER_HEADER)];
  for (let r = 2; r <= 250_001; r++) rows.push(inlineRow(r, [`王${r}`, '1']));
  const file = xlsxOfRows(rows.join(''));
  peak = rssMb();
  const stop = othersLoop();
  const answers = [await upload('/api/persons/import?dryRun=true', file, 'rows.xlsx')];
  report(`250,000 rows undeclared (${(file.length / 2 ** 20).toFixed(1)} MB)`, answers, await stop());
  console.log(`  ${answers[0].body}`);
}

// A large disbursement list (the probe's 9.4 MB list blocked every request > 10 s).
{
  const rows = [inlineRow(1, ['姓名', '身份证号码', '发放月份', '基本生活费实发', '备注'])];
  for (let r = 2; r <= PAY_ROWS + 1; r++)
    rows.push(
      inlineRow(r, [
        `压测对象${r}`,
        `1527011930050${String(r % 100000).padStart(5, '0')}`,
        '2026-01',
        '1200',
        `第${r}行的备注文字用于增加文件大小`,
      ]),
    );
  const file = xlsxOfRows(rows.join(''));
  peak = rssMb();
  const stop = othersLoop();
  const answers = [await upload('/api/payments/import?dryRun=true', file, 'pay.xlsx')];
  report(
    `disbursement list ${PAY_ROWS.toLocaleString('en-US')} rows (${(file.length / 2 ** 20).toFixed(1)} MB)`,
    answers,
    await stop(),
  );
  console.log(`  ${answers[0].body}`);
}

clearInterval(sampler);
const alive = server.proc.exitCode === null && (await fetch(`${server.url}/api/health?probe=live`)).ok;
const scratch = join(tmpdir(), 'tanfang-scratch', String(pid));
let left = 0;
try {
  left = readdirSync(scratch).length;
} catch {
  left = 0;
}
console.log(`server still up: ${alive}; scratch files left: ${left}; RSS now ${Math.round(rssMb())} MB`);
server.proc.kill('SIGTERM');
await server.exited;
