import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/server/db/migrate.js';
import { sql } from '../src/server/db/sql.js';
import { AREA_KINDS } from '../src/shared/areas.js';
import { METRIC_IDS, METRICS } from '../src/shared/metrics.js';
import { type TestEnv, testEnv } from './context.js';
import { actorClient, buildPerson, buildUser, freshIdNumber, multipartFile } from './factories.js';
import { isolatedDb, isolatedEnv } from './isolated-db.js';
import { insertTaskRow, insertVisitRow } from './oversight-fixtures.js';

/**
 * Issue 31: the area tree beyond the district. Each test has a database of its own (joining a city
 * above the root would change the shared database's root under every other test file).
 */
let shared: TestEnv;
beforeAll(async () => {
  shared = await testEnv();
});

const MIGRATIONS = join(import.meta.dirname, '../src/server/db/migrations');

describe('the area tree beyond the district', () => {
  it('migrates a three-level database: ids, grants and paths unchanged, each area given the kind its name says', async () => {
    const { db, drop } = await isolatedDb(shared.ctx.db);
    const before = mkdtempSync(join(tmpdir(), 'tanfang-mig-'));
    try {
      for (const f of readdirSync(MIGRATIONS).filter((f) => f < '031'))
        cpSync(join(MIGRATIONS, f), join(before, f));
      await migrate(db, { dir: before });
      // The three-level schema as it was: no kind column, three levels.
      const add = async (parent: number | null, code: string, name: string, level: string) => {
        const [r] = await db.query<{ id: number }>(
          sql(`insert into areas (parent_id, code, name, level) values ($1, $2, $3, $4) returning id`),
          [parent, code, name, level],
        );
        await db.query(
          sql(`update areas set path = coalesce((select path from areas p where p.id = $2), '/') || id || '/'
            where id = $1`),
          [r.id, parent],
        );
        return r.id;
      };
      const d = await add(null, '150627', '伊金霍洛旗', 'district');
      const t1 = await add(d, '150627100', '乌兰木伦镇', 'town');
      const t2 = await add(d, '150627200', '红庆河苏木', 'town');
      const t3 = await add(d, '150627300', '阿勒腾席热街道', 'town');
      // Development zones run as townships (031 called them 镇; 035 gives them their own kind).
      const t4 = await add(d, '150627400', '伊金霍洛旗高新区', 'town');
      const t5 = await add(d, '150627500', '江苏工业园区', 'town');
      const v1 = await add(t1, '150627100001', '乌兰木伦村', 'village');
      const v2 = await add(t2, '150627200001', '巴音敖包嘎查', 'village');
      const v3 = await add(t3, '150627300001', '西街社区', 'village');
      const [u] = await db.query<{ id: number }>(
        sql(`insert into users (username, display_name, password_hash) values ('old-admin', '管理员', 'x')
          returning id`),
      );
      await db.query(sql(`insert into user_roles (user_id, role, area_id) values ($1, 'bureau_admin', $2)`), [
        u.id,
        d,
      ]);
      const paths = await db.query<{ id: number; path: string }>(
        sql('select id, path from areas order by id'),
      );

      await migrate(db); // the rest, 031 and 035 among them
      const rows = await db.query<{ id: number; level: string; kind: string; path: string }>(
        sql('select id, level, kind, path from areas order by id'),
      );
      expect(rows.map((r) => [r.id, r.path])).toEqual(paths.map((r) => [r.id, r.path]));
      const kind = new Map(rows.map((r) => [r.id, r.kind]));
      expect([d, t1, t2, t3, t4, t5, v1, v2, v3].map((id) => kind.get(id))).toEqual([
        '旗',
        '镇',
        '苏木',
        '街道',
        '高新区',
        '园区',
        '村',
        '嘎查',
        '社区',
      ]);
      expect(
        await db.query(sql('select user_id, role, area_id from user_roles where user_id = $1'), [u.id]),
      ).toEqual([{ user_id: u.id, role: 'bureau_admin', area_id: d }]);
      // A kind that is not one of its level's is refused by the database too.
      await expect(
        db.query(sql(`insert into areas (code, name, level, kind) values ('1', '某', 'village', '苏木')`)),
      ).rejects.toThrow();
      // The database's list of kinds is shared/areas.ts AREA_KINDS, level by level.
      const [{ def }] = await db.query<{ def: string }>(
        sql(`select pg_get_constraintdef(oid) as def from pg_constraint where conname = 'areas_kind_check'`),
      );
      for (const [level, kinds] of Object.entries(AREA_KINDS)) {
        const clause = def.match(
          new RegExp(`level = '${level}'::text\\) AND \\(kind = ANY \\(ARRAY\\[([^\\]]*)\\]`),
        );
        expect(clause, `${level} in ${def}`).not.toBeNull();
        expect(
          [...clause![1].matchAll(/'([^']+)'/g)].map((m) => m[1]),
          level,
        ).toEqual([...kinds]);
      }
    } finally {
      rmSync(before, { recursive: true, force: true });
      await drop();
    }
  });

  describe('a city above Dongsheng, with a banner of 苏木 and 嘎查', () => {
    let env: TestEnv & { drop: () => Promise<void> };
    const PERIOD = '2026-11';
    const at = new Date('2026-11-10T03:00:00Z');
    let districtAdmin: Awaited<ReturnType<typeof actorClient>>;
    let hantaiTown: number;
    let hantaiVillage: number;

    beforeAll(async () => {
      env = await isolatedEnv(shared);
      districtAdmin = await actorClient(env, 'bureau_admin', env.districtId);
      const [t] = await env.ctx.db.query<{ id: number }>(
        sql(`select id from areas where code = '150602101'`),
      );
      const [v] = await env.ctx.db.query<{ id: number }>(
        sql(`select id from areas where code = '150602101001'`),
      );
      hantaiTown = t.id;
      hantaiVillage = v.id;
    });
    afterAll(async () => {
      await env?.drop();
    });

    /** Persons with a month's task each: `done` of them visited, the rest missed. */
    async function month(townId: number, villageId: number, visitorId: number, n: number, done: number) {
      for (let i = 0; i < n; i++) {
        const p = await buildPerson(env, { townId, villageId, visitorId });
        const visitId =
          i < done
            ? await insertVisitRow(env.ctx.db, {
                personId: p.id,
                visitorId,
                townId,
                villageId,
                at,
                method: 'in_person',
                outcome: 'reached',
              })
            : null;
        await insertTaskRow(env.ctx.db, {
          personId: p.id,
          period: PERIOD,
          status: i < done ? 'done' : 'missed',
          townId,
          villageId,
          visitorId,
          tier: 'general',
          visitId,
        });
      }
    }

    it('joins the city without changing a figure of the district, and the city sums its counties exactly', async () => {
      const visitor = await buildUser(env, 'visitor', hantaiVillage);
      await month(hantaiTown, hantaiVillage, visitor.id, 5, 3);
      const beforeJoin = (await districtAdmin.http.get(`/api/oversight/metrics?period=${PERIOD}`)).json();
      expect(beforeJoin.area).toMatchObject({ level: 'district', kind: '区' });
      // 高新区 405 is a development zone (its own kind) and does not lengthen the heading.
      expect(beforeJoin.childLabel).toBe('镇（街道）');

      // Only a bureau admin of the root may join it to a city; the join is one level up.
      const townOfficer = await actorClient(env, 'town_officer', hantaiTown);
      const refused = await townOfficer.http.post('/api/areas/above-root', {
        name: '鄂尔多斯市',
        code: '150600',
      });
      expect(refused.statusCode).toBe(403);
      const joined = await districtAdmin.http.post('/api/areas/above-root', {
        name: '鄂尔多斯市',
        code: '150600',
      });
      expect(joined.statusCode, joined.body).toBe(201);
      expect(joined.json()).toMatchObject({ level: 'city', kind: '市', parentId: null });
      const cityId = joined.json().id as number;
      const district = (await districtAdmin.http.get(`/api/areas/${env.districtId}`)).json();
      expect(district).toMatchObject({ parentId: cityId, level: 'district', kind: '区' });

      // The district's figures are what they were, read by its own admin (who now also holds the city).
      const afterJoin = (
        await districtAdmin.http.get(`/api/oversight/metrics?period=${PERIOD}&areaId=${env.districtId}`)
      ).json();
      expect(JSON.stringify(afterJoin.figures, null, 1)).toEqual(JSON.stringify(beforeJoin.figures, null, 1));
      expect(afterJoin.children).toEqual(beforeJoin.children);

      // A banner of the city, its 苏木 and 嘎查 (kinds from the names; a 嘎查 is not a 村).
      const cityAdmin = await actorClient(env, 'bureau_admin', cityId);
      const banner = await cityAdmin.http.post('/api/areas', { parentId: cityId, name: '伊金霍洛旗' });
      expect(banner.statusCode, banner.body).toBe(201);
      expect(banner.json()).toMatchObject({ level: 'district', kind: '旗' });
      const sumu = (
        await cityAdmin.http.post('/api/areas', { parentId: banner.json().id, name: '红庆河苏木' })
      ).json();
      expect(sumu).toMatchObject({ level: 'town', kind: '苏木' });
      const gacha = (
        await cityAdmin.http.post('/api/areas', { parentId: sumu.id, name: '巴音敖包嘎查' })
      ).json();
      expect(gacha).toMatchObject({ level: 'village', kind: '嘎查' });
      const wrongKind = await cityAdmin.http.post('/api/areas', {
        parentId: sumu.id,
        name: '某地',
        kind: '苏木',
      });
      expect(wrongKind.statusCode).toBe(400);
      expect(wrongKind.json().message).toContain('村、嘎查、社区');
      // A town officer adds villages under their own township only, never a township.
      const sumuOfficer = await actorClient(env, 'town_officer', sumu.id);
      expect(
        (await sumuOfficer.http.post('/api/areas', { parentId: banner.json().id, name: '某苏木' }))
          .statusCode,
      ).toBe(404);
      // (the district is not theirs: it does not exist for them), and a supervisor maintains no areas.
      expect(
        (await townOfficer.http.post('/api/areas', { parentId: env.districtId, name: '新镇' })).statusCode,
      ).toBe(404);
      const supervisor = await actorClient(env, 'bureau_supervisor', cityId);
      expect(
        (await supervisor.http.post('/api/areas', { parentId: cityId, name: '准格尔旗' })).statusCode,
      ).toBe(403);

      const herder = await buildUser(env, 'visitor', gacha.id);
      await month(sumu.id, gacha.id, herder.id, 4, 1);

      // The city: its two counties side by side, named by their kinds, and the total is their sum.
      const city = (await cityAdmin.http.get(`/api/oversight/metrics?period=${PERIOD}`)).json();
      expect(city.area).toMatchObject({ id: cityId, level: 'city', kind: '市' });
      expect(city.childLabel).toBe('区（旗）');
      expect(city.children.map((c: { name: string }) => c.name).sort()).toEqual(
        ['东胜区', '伊金霍洛旗'].sort(),
      );
      const byName = (n: string) => city.children.find((c: { name: string }) => c.name === n);
      expect(JSON.stringify(byName('东胜区').figures, null, 1)).toEqual(
        JSON.stringify(afterJoin.figures, null, 1),
      );
      const banners = (
        await cityAdmin.http.get(`/api/oversight/metrics?period=${PERIOD}&areaId=${banner.json().id}`)
      ).json();
      expect(byName('伊金霍洛旗').figures).toEqual(banners.figures);
      expect(banners.childLabel).toBe('苏木');
      for (const m of METRIC_IDS) {
        if (METRICS[m].unit !== 'ratio' || !city.figures[m]) continue;
        const parts = city.children.map(
          (c: { figures: Record<string, { numerator?: number; denominator?: number }> }) => c.figures[m],
        );
        expect(city.figures[m].numerator, m).toBe(
          parts.reduce((s: number, f: { numerator?: number }) => s + (f?.numerator ?? 0), 0),
        );
        expect(city.figures[m].denominator, m).toBe(
          parts.reduce((s: number, f: { denominator?: number }) => s + (f?.denominator ?? 0), 0),
        );
      }
      expect(city.figures.coverage).toMatchObject({ numerator: 4, denominator: 9 });

      // The city's visit ledger holds both counties' visits; the monthly report is made at city level
      // with its counties as the table (and their ranking).
      const ledger = await cityAdmin.http.get(`/api/ledger/visits.xlsx?period=${PERIOD}`);
      expect(ledger.statusCode).toBe(200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(ledger.rawPayload as never);
      const cells: string[] = [];
      wb.worksheets[0].eachRow((r) => {
        cells.push(r.values ? JSON.stringify(r.values) : '');
      });
      expect(cells.filter((c) => c.includes('罕台镇'))).toHaveLength(3);
      expect(cells.filter((c) => c.includes('红庆河苏木'))).toHaveLength(1);
      const report = await cityAdmin.http.post('/api/reports/monthly', { period: PERIOD });
      expect(report.statusCode, report.body).toBe(201);
      const text = execFileSync('pdftotext', ['-layout', '-', '-'], { input: report.rawPayload }).toString(
        'utf8',
      );
      expect(text).toContain('鄂尔多斯市特困人员探访工作月报');
      expect(text).toContain('二、各区（旗）情况');
      expect(text).toContain('区（旗）考核排名');
      expect(text).toContain('伊金霍洛旗');

      // Drill-down: banner → 苏木 → 嘎查 → its records.
      const sumuFigures = (
        await cityAdmin.http.get(`/api/oversight/metrics?period=${PERIOD}&areaId=${sumu.id}`)
      ).json();
      expect(sumuFigures.childLabel).toBe('嘎查');
      expect(sumuFigures.children.map((c: { name: string }) => c.name)).toEqual(['巴音敖包嘎查']);
      const records = (
        await cityAdmin.http.get(
          `/api/oversight/metrics/coverage/records?period=${PERIOD}&areaId=${gacha.id}`,
        )
      ).json();
      expect(records.items).toHaveLength(4);

      // The district's own bureau sees nothing of the banner; a fresh district admin's widest area is the district.
      const dongsheng = await actorClient(env, 'bureau_admin', env.districtId);
      expect(
        (await dongsheng.http.get(`/api/oversight/metrics?period=${PERIOD}&areaId=${banner.json().id}`))
          .statusCode,
      ).toBe(404);
      expect((await dongsheng.http.get(`/api/oversight/metrics?period=${PERIOD}`)).json().area.id).toBe(
        env.districtId,
      );
      expect((await dongsheng.http.get(`/api/areas/${gacha.id}`)).statusCode).toBe(404);
      const tree = (await dongsheng.http.get('/api/areas')).json();
      expect(tree.map((n: { id: number }) => n.id)).toEqual([env.districtId]);

      // The city ranks its counties with its own weights; Dongsheng's weights for its towns are apart.
      const cityWeights = await cityAdmin.http.put(`/api/oversight/assessment/weights?areaId=${cityId}`, {
        coverage: 100,
      });
      expect(cityWeights.statusCode, cityWeights.body).toBe(200);
      const ranking = (await cityAdmin.http.get(`/api/oversight/assessment?period=${PERIOD}`)).json();
      expect(ranking.towns.map((t: { name: string }) => t.name)).toEqual(['东胜区', '伊金霍洛旗']);
      expect(ranking.weights.coverage).toBe(100);
      const dsWeights = (await dongsheng.http.get('/api/oversight/assessment/weights')).json();
      expect(dsWeights).toEqual(
        (await cityAdmin.http.get(`/api/oversight/assessment/weights?areaId=${env.districtId}`)).json(),
      );
      expect(
        (
          await townOfficer.http.put(`/api/oversight/assessment/weights?areaId=${hantaiTown}`, {
            coverage: 1,
          })
        ).statusCode,
      ).toBeGreaterThanOrEqual(400);
    });

    it('lets a county be stricter than its city, never looser, and says whose rule it is', async () => {
      const [city] = await env.ctx.db.query<{ id: number }>(
        sql(`select id from areas where parent_id is null`),
      );
      const [banner] = await env.ctx.db.query<{ id: number }>(
        sql(`select id from areas where name = '伊金霍洛旗'`),
      );
      const cityAdmin = await actorClient(env, 'bureau_admin', city.id);
      const bannerAdmin = await actorClient(env, 'bureau_admin', banner.id);
      const put = (c: typeof cityAdmin, areaId: number, value: unknown) =>
        c.http.put('/api/visit-settings', { areaId, key: 'visits.frequency', value });
      expect((await put(cityAdmin, city.id, { general: 'month', key: 'month' })).statusCode).toBe(200);
      // Dongsheng: half-monthly for key-tier persons, stricter than the city's floor.
      expect(
        (await put(districtAdmin, env.districtId, { general: 'month', key: 'half_month' })).statusCode,
      ).toBe(200);
      expect((await put(bannerAdmin, banner.id, { general: 'month', key: 'month' })).statusCode).toBe(200);
      // The city tightens key-tier persons: the banner's own monthly would be looser, so the city is told.
      const tighten = await put(cityAdmin, city.id, { general: 'month', key: 'half_month' });
      expect(tighten.statusCode).toBe(400);
      expect(tighten.json().message).toContain('伊金霍洛旗');
      expect(
        (
          await bannerAdmin.http.put('/api/visit-settings', {
            areaId: banner.id,
            key: 'visits.frequency',
            value: null,
          })
        ).statusCode,
      ).toBe(200);
      expect((await put(cityAdmin, city.id, { general: 'month', key: 'half_month' })).statusCode).toBe(200);
      // Now the banner cannot loosen it, and the message names the city's rule.
      const looser = await put(bannerAdmin, banner.id, { general: 'month', key: 'month' });
      expect(looser.statusCode).toBe(400);
      expect(looser.json().message).toContain('鄂尔多斯市');
      expect(looser.json().message).toContain('重点对象每半月一次 → 每月一次');
      // Stricter is fine.
      expect(
        (await put(bannerAdmin, banner.id, { general: 'half_month', key: 'half_month' })).statusCode,
      ).toBe(200);
      const inForce = (await bannerAdmin.http.get(`/api/visit-settings?areaId=${banner.id}`)).json();
      expect(inForce['visits.frequency'].value).toEqual({ general: 'half_month', key: 'half_month' });
    });

    it('keeps a county bureau out of its neighbour county on every GET route (the scope-leak check, one level up)', async () => {
      const [banner] = await env.ctx.db.query<{ id: number }>(
        sql(`select id from areas where name = '伊金霍洛旗'`),
      );
      const tag = Math.random().toString(36).slice(2, 8);
      // Made through the API, so the audit log has a row about the person (the log is searched too).
      const officer = await actorClient(env, 'town_officer', hantaiTown);
      const made = await officer.http.post('/api/persons', {
        name: `邻旗${tag}`,
        idNumber: freshIdNumber('1947-07-07', 'male'),
        villageId: hantaiVillage,
        supportStart: '2020-01-01',
        indicators: {
          eating: true,
          dressing: true,
          transfer: true,
          toileting: true,
          walking: true,
          bathing: true,
        },
      });
      expect(made.statusCode, made.body).toBe(201);
      const foreign = made.json() as { id: number };
      const markers = [`邻旗${tag}`, officer.username];
      const doc = (await env.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
      const leaks: string[] = [];
      let calls = 0;
      for (const role of ['bureau_admin', 'bureau_supervisor'] as const) {
        const actor = await actorClient(env, role, banner.id);
        const check = async (url: string) => {
          const res = await actor.http.get(url);
          calls++;
          if (res.statusCode !== 200) return;
          const type = String(res.headers['content-type'] ?? '');
          if (type.includes('json') || type.includes('text')) {
            const hit = markers.find((m) => res.body.includes(m));
            if (hit) leaks.push(`${role} GET ${url} shows ${hit}`);
          } else if (/\{(id|personId)\}/.test(url)) leaks.push(`${role} GET ${url} answered a ${type} file`);
        };
        for (const [path, ops] of Object.entries<{ get?: { parameters?: { in: string; name: string }[] } }>(
          doc.paths,
        )) {
          if (!ops.get || path.startsWith('/api/public/') || path === '/api/openapi.json') continue;
          const params = ops.get.parameters ?? [];
          if (!params.some((p) => p.in === 'path')) {
            await check(path);
            const query = new Set(params.filter((p) => p.in === 'query').map((p) => p.name));
            for (const [name, value] of [
              ['areaId', env.districtId],
              ['townId', hantaiTown],
              ['villageId', hantaiVillage],
              ['personId', foreign.id],
            ] as const)
              if (query.has(name)) await check(`${path}?${name}=${value}`);
          } else if (path.startsWith('/api/users/'))
            await check(path.replace(/\{\w+\}/g, String(officer.id)));
          else if (path.startsWith('/api/areas/'))
            await check(path.replace(/\{\w+\}/g, String(env.districtId)));
          else await check(path.replace(/\{\w+\}/g, String(foreign.id)));
        }
      }
      expect(leaks, leaks.slice(0, 20).join('\n')).toEqual([]);
      expect(calls).toBeGreaterThan(100);
    }, 300_000);

    it('imports a roster of 苏木 and 嘎查, named with or without their kind', async () => {
      const [sumu] = await env.ctx.db.query<{ id: number }>(
        sql(`select id from areas where name = '红庆河苏木'`),
      );
      const officer = await actorClient(env, 'town_officer', sumu.id);
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet('花名册');
      ws.addRow(['姓名', '身份证号码', '苏木（镇）', '嘎查（村）', '生活自理能力', '供养开始日期']);
      ws.addRow([
        '巴特尔',
        freshIdNumber('1950-02-03', 'male'),
        '红庆河苏木',
        '巴音敖包嘎查',
        '自理',
        '2020-01-01',
      ]);
      ws.addRow([
        '其其格',
        freshIdNumber('1952-04-05', 'female'),
        '红庆河',
        '巴音敖包',
        '半失能',
        '2021-03-01',
      ]);
      ws.addRow([
        '某人',
        freshIdNumber('1953-04-05', 'female'),
        '红庆河',
        '不存在嘎查',
        '半失能',
        '2021-03-01',
      ]);
      const buf = Buffer.from(await wb.xlsx.writeBuffer());
      const m = multipartFile(buf);
      const res = await env.app.inject({
        method: 'POST',
        url: '/api/persons/import?dryRun=false',
        payload: m.payload,
        headers: { ...m.headers, authorization: `Bearer ${officer.token}` },
      });
      expect(res.statusCode, res.body).toBe(200);
      const r = res.json();
      expect(r.created, JSON.stringify(r)).toBe(2);
      expect(r.rejectedCount).toBe(1);
      expect(r.rejected[0].message).toBe('红庆河苏木没有「不存在嘎查」这个村（嘎查、社区）');
    });
  });
});
