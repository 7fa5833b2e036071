import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/server/db/sql.js';
import { inlineRow, ROSTER_HEADER, xlsxOfRows } from '../attack-files.js';
import { type TestEnv, testEnv } from '../context.js';
import { actorClient, buildPerson, buildTown, multipartFile } from '../factories.js';

/**
 * The standing attack suite, cross-town part: an officer of one town asks about the persons of
 * another through the ways that must answer "this person exists" — creating a file with their ID
 * number, the same name and birth date, a re-activation, a roster import. Each answer is a generic
 * conflict with a reference the bureau can look up in the audit log, never the other file's name,
 * village or masked number; and an import cannot check ID numbers in bulk.
 */

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});

async function twoTowns() {
  const a = await buildTown(env, 1);
  const b = await buildTown(env, 1);
  const theirs = await buildPerson(env, {
    townId: a.town.id,
    villageId: a.villages[0].id,
    name: `跨镇对象${Math.floor(Math.random() * 1e6)}`,
    birthDate: '1944-02-03',
  });
  const officer = await actorClient(env, 'town_officer', b.town.id);
  const admin = await actorClient(env, 'bureau_admin', env.districtId);
  return { a, b, theirs, officer, admin };
}

const refOf = (message: string) => /参考编号 (IC-[0-9A-Z]{8})/.exec(message)?.[1];

describe('cross-town identity lookups', () => {
  it("creating a file with another town's ID number answers a generic conflict with a reference the bureau resolves", async () => {
    const { b, theirs, officer, admin } = await twoTowns();
    const [row] = await env.ctx.db.query<{ name: string; id_number_masked: string }>(
      sql('select name, id_number_masked from persons where id = $1'),
      [theirs.id],
    );
    const res = await officer.http.post('/api/persons', {
      name: '某人',
      idNumber: theirs.idNumber,
      villageId: b.villages[0].id,
      supportStart: '2021-03-01',
      selfCare: 'capable',
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'DUPLICATE_ID_NUMBER', field: 'idNumber' });
    const message: string = res.json().message;
    expect(message).not.toContain(row.name);
    expect(message).not.toContain(row.id_number_masked);
    const ref = refOf(message);
    expect(ref, message).toBeDefined();
    const found = await admin.http.get(`/api/audit?entity=identity_conflict&entityId=${ref}`);
    expect(found.statusCode).toBe(200);
    expect(found.json().items).toHaveLength(1);
    expect(found.json().items[0]).toMatchObject({ action: 'person.identity_conflict', actorId: officer.id });
    expect(found.json().items[0].detail.personId).toBe(theirs.id);
  });

  it('the same name and birth date in another town: a warning without their village or number, audited', async () => {
    const { b, theirs, officer, admin } = await twoTowns();
    const [row] = await env.ctx.db.query<{ name: string; id_number_masked: string }>(
      sql('select name, id_number_masked from persons where id = $1'),
      [theirs.id],
    );
    const res = await officer.http.post('/api/persons', {
      name: row.name,
      idNumber: '',
      villageId: b.villages[0].id,
      supportStart: '2021-03-01',
      selfCare: 'capable',
    });
    expect(res.statusCode).toBe(400); // an ID number is required: build a valid one of that birth date
    const { freshIdNumber } = await import('../factories.js');
    const again = await officer.http.post('/api/persons', {
      name: row.name,
      idNumber: freshIdNumber('1944-02-03'),
      villageId: b.villages[0].id,
      supportStart: '2021-03-01',
      selfCare: 'capable',
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('POSSIBLE_DUPLICATE');
    const message: string = again.json().message;
    expect(message).not.toContain(row.id_number_masked);
    const ref = refOf(message);
    expect(ref, message).toBeDefined();
    const found = (await admin.http.get(`/api/audit?entity=identity_conflict&entityId=${ref}`)).json();
    expect(found.items[0].detail.personId).toBe(theirs.id);
  });

  it("a roster import reports another town's ID numbers with references, and stops checking after 20", async () => {
    const { b, officer } = await twoTowns();
    const village = (
      await env.ctx.db.query<{ name: string }>(sql('select name from areas where id = $1'), [
        b.villages[0].id,
      ])
    )[0].name;
    const town = (
      await env.ctx.db.query<{ name: string }>(sql('select name from areas where id = $1'), [b.town.id])
    )[0].name;
    const foreign: { id: number; idNumber: string }[] = [];
    for (let i = 0; i < 21; i++) {
      const other = await buildTown(env, 1);
      foreign.push(await buildPerson(env, { townId: other.town.id, villageId: other.villages[0].id }));
    }
    const file = (n: number) =>
      xlsxOfRows(
        [
          inlineRow(1, [...ROSTER_HEADER, '所属镇（街道）']),
          ...foreign
            .slice(0, n)
            .map((p, i) => inlineRow(i + 2, [`某人${i}`, p.idNumber, village, '自理', '2021-03-01', town])),
        ].join(''),
      );
    const upload = (buf: Buffer) => {
      const m = multipartFile(buf);
      return env.app.inject({
        method: 'POST',
        url: '/api/persons/import?dryRun=true',
        payload: m.payload,
        headers: { ...m.headers, authorization: `Bearer ${officer.token}` },
      });
    };
    const few = await upload(file(3));
    expect(few.statusCode, few.body).toBe(200);
    expect(few.json().rejectedCount).toBe(3);
    for (const r of few.json().rejected) expect(refOf(r.message), r.message).toBeDefined();
    const many = await upload(file(21));
    expect(many.statusCode).toBe(400);
    expect(many.json().message).toContain('20');
  });

  it("counts a user's imports, dry runs included: the 61st in an hour hears 429", async () => {
    const { countImport, IMPORTS_PER_HOUR } = await import('../../src/server/http/throttle.js');
    const config = { ...env.ctx.config };
    const t = Date.now();
    for (let i = 0; i < IMPORTS_PER_HOUR; i++) countImport(config, 42, t + i);
    expect(() => countImport(config, 42, t + 1000)).toThrow(/导入过于频繁/);
    expect(() => countImport(config, 43, t + 1000)).not.toThrow();
    expect(() => countImport(config, 42, t + 3_600_001)).not.toThrow();
  });
});
