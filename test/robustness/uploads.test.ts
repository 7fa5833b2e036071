import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { importsRunning, SCRATCH_ROOT } from '../../src/server/http/uploads.js';
import { UPLOAD_LIMITS } from '../../src/shared/api/uploads.js';
import {
  declaredRowsXlsx,
  farRowXlsx,
  hugeCellXlsx,
  PAYMENTS_HEADER,
  rejectedRowsXlsx,
} from '../attack-files.js';
import { type TestEnv, testEnv } from '../context.js';
import { actorClient, buildTown, multipartFile } from '../factories.js';

/**
 * The standing attack suite, upload part (short form; bench/upload-attack.ts is the long one, against
 * a real server process): hostile spreadsheets on both imports — a huge cell (honest zip sizes), a
 * sheet declaring or numbering rows past the limit, thousands of rejected rows, many at once — while
 * the process's memory is watched and other users' requests are timed. Each answer is a 4xx or a 503
 * "busy", never a 500, and nothing is left in the scratch folder.
 */

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});

const upload = (token: string, url: string, buf: Buffer) => {
  const m = multipartFile(buf);
  return env.app.inject({
    method: 'POST',
    url,
    payload: m.payload,
    headers: { ...m.headers, authorization: `Bearer ${token}` },
  });
};

/** Samples the process's resident memory every 20 ms until stopped; answers the peak growth in MB. */
function memoryWatch() {
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  return () => {
    clearInterval(timer);
    return (Math.max(peak, process.memoryUsage().rss) - start) / 2 ** 20;
  };
}

const scratchLeft = async () =>
  (await readdir(join(SCRATCH_ROOT, String(process.pid))).catch(() => [] as string[])).length;

describe('hostile uploads', () => {
  it('refuses a 20 MB cell (a few KB zipped) in the shared strings or inline, on both imports, without holding it', async () => {
    const { town } = await buildTown(env, 1);
    const officer = await actorClient(env, 'town_officer', town.id);
    const cases = (
      [
        ['/api/persons/import?dryRun=true', undefined],
        ['/api/payments/import?dryRun=true', PAYMENTS_HEADER],
      ] as const
    ).flatMap(([url, header]) =>
      (['shared', 'inline'] as const).map((where) => ({
        url,
        where,
        file: hugeCellXlsx(20_000_000, where, header),
      })),
    );
    // Watched from here: the files are built (the test's own 20 MB strings are not the server's).
    const grown = memoryWatch();
    for (const { url, where, file } of cases) {
      {
        expect(file.length).toBeLessThan(100_000);
        const res = await upload(officer.token, url, file);
        expect(res.statusCode, `${url} ${where}: ${res.body}`).toBe(400);
        expect(res.json()).toMatchObject({ field: 'file' });
        expect(res.json().message).toContain('32,767');
      }
    }
    // The parser stopped at 200,000 characters (holding the cell takes 20-80 MB a copy); what grows is
    // mostly the parse worker's start (its own heap and exceljs).
    expect(grown()).toBeLessThan(250);
    expect(await scratchLeft()).toBe(0);
  });

  it('refuses a sheet past the row limit: declared before any row is read, or numbered as it comes', async () => {
    const { town } = await buildTown(env, 1);
    const officer = await actorClient(env, 'town_officer', town.id);
    const limit = UPLOAD_LIMITS.rows;
    for (const file of [declaredRowsXlsx(limit + 1), farRowXlsx(limit + 5)]) {
      for (const url of ['/api/persons/import?dryRun=false', '/api/payments/import?dryRun=false']) {
        const res = await upload(officer.token, url, file);
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json().message).toContain('请拆分后分批导入');
      }
    }
    // At the limit is fine (the one data row is rejected for its own reasons).
    const ok = await upload(officer.token, '/api/persons/import?dryRun=true', declaredRowsXlsx(limit));
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it('answers thousands of rejected rows with the first 100 and a count; the download has them all', async () => {
    const { town } = await buildTown(env, 1);
    const officer = await actorClient(env, 'town_officer', town.id);
    const res = await upload(officer.token, '/api/persons/import?dryRun=true', rejectedRowsXlsx(3000));
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ total: 3000, created: 0, rejectedCount: 3000 });
    expect(body.rejected).toHaveLength(UPLOAD_LIMITS.rejectedShown);
    expect(body.rejected[0].row).toBe(2);
    expect(res.body.length).toBeLessThan(30_000);
    const file = await officer.http.get(`/api/persons/import/bad-rows/${body.badRowsToken}`);
    expect(file.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file.rawPayload as unknown as ArrayBuffer);
    expect(wb.worksheets[0].rowCount).toBe(3001);
  });

  it('takes at most the configured number of imports at once; the rest hear "busy" with Retry-After, and others are served meanwhile', async () => {
    const { town } = await buildTown(env, 1);
    const officer = await actorClient(env, 'town_officer', town.id);
    const other = await actorClient(env, 'visitor', town.id);
    const file = hugeCellXlsx(20_000_000, 'shared');
    const grown = memoryWatch();
    const times: number[] = [];
    let uploading = true;
    const others = (async () => {
      while (uploading) {
        const t = performance.now();
        expect((await other.http.get('/api/me')).statusCode).toBe(200);
        times.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    let most = 0;
    const sampler = setInterval(() => {
      most = Math.max(most, importsRunning());
    }, 1);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => upload(officer.token, '/api/persons/import?dryRun=true', file)),
    );
    clearInterval(sampler);
    uploading = false;
    await others;
    const statuses = answers.map((a) => a.statusCode);
    expect(
      statuses.every((s) => s === 400 || s === 503),
      String(statuses),
    ).toBe(true);
    const busy = answers.filter((a) => a.statusCode === 503);
    // Never more than the limit at once (an import that ended early frees its slot for a later one).
    expect(most).toBeLessThanOrEqual(env.ctx.config.importConcurrency);
    expect(busy.length).toBeGreaterThanOrEqual(1);
    expect(busy[0].headers['retry-after']).toBe('10');
    expect(busy[0].json()).toMatchObject({ code: 'BUSY', message: '系统繁忙，请 10 秒后再试' });
    expect(importsRunning()).toBe(0);
    expect(await scratchLeft()).toBe(0);
    expect(grown()).toBeLessThan(300);
    times.sort((a, b) => a - b);
    const p95 = times[Math.floor(times.length * 0.95)] ?? 0;
    console.log(
      `uploads: 8 at once → ${statuses.join(' ')}; /api/me meanwhile: ${times.length} requests, p95 ${p95.toFixed(0)} ms`,
    );
    expect(p95).toBeLessThan(500);
  });
});
