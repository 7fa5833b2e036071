import { beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../../test/context.js';
import { actorClient, buildTown } from '../../../../test/factories.js';
import { sql } from '../../db/sql.js';

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});

interface Node {
  id: number;
  name: string;
  level: string;
  kind: string;
  children: Node[];
}
const flatten = (ns: Node[]): Node[] => ns.flatMap((n) => [n, ...flatten(n.children)]);

describe('areas', () => {
  it('answers the tree as nested nodes; the bureau sees the district with its towns', async () => {
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    const tree: Node[] = (await admin.http.get('/api/areas')).json();
    expect(tree).toHaveLength(1);
    expect(tree[0]).toMatchObject({ code: '150602', name: '东胜区', level: 'district' });
    const towns = tree[0].children.map((c) => c.name);
    expect(towns).toEqual(
      expect.arrayContaining(['泊尔江海子镇', '罕台镇', '铜川镇', '高新区', '交通街道', '民族街道']),
    );
    expect(tree[0].children.every((c) => c.level === 'town')).toBe(true);
    // Each township by its own kind: 高新区 is a development zone run as a township, not a 镇.
    const kinds = new Map(tree[0].children.map((c) => [c.name, c.kind]));
    expect([kinds.get('罕台镇'), kinds.get('交通街道'), kinds.get('高新区')]).toEqual([
      '镇',
      '街道',
      '高新区',
    ]);
  });

  it('a town officer sees only their town and adds, renames and retires its villages', async () => {
    const a = await buildTown(env);
    const b = await buildTown(env);
    const officer = await actorClient(env, 'town_officer', a.town.id);
    const tree: Node[] = (await officer.http.get('/api/areas')).json();
    expect(tree.map((n) => n.id)).toEqual([a.town.id]);
    const ids = flatten(tree).map((n) => n.id);
    expect(ids).not.toContain(b.town.id);
    expect(ids).not.toContain(b.villages[0].id);

    const created = await officer.http.post('/api/areas', { parentId: a.town.id, name: '新建村' });
    expect(created.statusCode, created.body).toBe(201);
    const v = created.json();
    expect(v).toMatchObject({ level: 'village', parentId: a.town.id, code: `${a.town.code}003` });
    const renamed = await officer.http.patch(`/api/areas/${v.id}`, { version: v.version, name: '新建社区' });
    expect(renamed.json().name).toBe('新建社区');
    const retired = await officer.http.patch(`/api/areas/${v.id}`, {
      version: renamed.json().version,
      retired: true,
    });
    expect(retired.json().retired).toBe(true);
    const after: Node[] = (await officer.http.get('/api/areas')).json();
    expect(flatten(after).map((n) => n.id)).not.toContain(v.id);
  });

  it('refuses to touch another town by any route, even with a guessed id', async () => {
    const a = await buildTown(env);
    const b = await buildTown(env);
    const officer = await actorClient(env, 'town_officer', a.town.id);
    expect((await officer.http.get(`/api/areas/${b.villages[0].id}`)).statusCode).toBe(404);
    expect((await officer.http.post('/api/areas', { parentId: b.town.id, name: '越权村' })).statusCode).toBe(
      404,
    );
    expect(
      (await officer.http.patch(`/api/areas/${b.villages[0].id}`, { version: 1, name: '越权' })).statusCode,
    ).toBe(404);
    const [row] = await env.ctx.db.query(sql('select name from areas where id = $1'), [b.villages[0].id]);
    expect(row.name).toBe('测试村1');
  });

  it('validates: villages only under towns, names required, duplicate names refused', async () => {
    const a = await buildTown(env);
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    const underVillage = await admin.http.post('/api/areas', { parentId: a.villages[0].id, name: '孙村' });
    expect(underVillage.statusCode).toBe(400);
    expect(underVillage.json().field).toBe('parentId');
    const empty = await admin.http.post('/api/areas', { parentId: a.town.id, name: '  ' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().field).toBe('body.name');
    const dup = await admin.http.post('/api/areas', { parentId: a.town.id, name: '测试村1' });
    expect(dup.statusCode).toBe(409);
  });
});
