import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/shared/roles.js';
import { type TestEnv, testEnv } from '../context.js';
import { actorClient, buildPerson, buildTown, buildUser, client, login } from '../factories.js';

/**
 * Scope leak, as a property: for random scenarios (two towns, random persons and assignments, a
 * random actor inside town A), no GET route of the OpenAPI document (read at run time, so routes added
 * later are covered) shows anything outside the actor's scope: neither in lists (also when asked for
 * the other town by filter) nor by id. "Anything" is found by markers: the unique names of the persons
 * the actor must not see and the user name of an officer of the other town.
 */

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});

interface Op {
  parameters?: { in: string; name: string; required?: boolean; schema?: { enum?: string[] } }[];
}

const ROLES: Role[] = ['town_officer', 'village_officer', 'visitor', 'department_liaison'];

describe('scope leak property', () => {
  it('no list or get route shows a record outside the actor scope', async () => {
    const doc = (await env.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const gets = Object.entries<Record<string, Op>>(doc.paths)
      .filter(([, ops]) => ops.get)
      .map(([path, ops]) => ({ path, op: ops.get }));
    let calls = 0;
    const leaks: string[] = [];
    // Every role, each on random layouts; a fixed core of persons makes sure every kind of "outside"
    // exists (other village, other visitor, unassigned, other town) in every scenario.
    const core = [
      { village: 0, visitor: 0 },
      { village: 1, visitor: 1 },
      { village: 0, visitor: 2 },
      { village: 2, visitor: 2 },
    ];
    for (const role of ROLES) {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({ village: fc.integer({ min: 0, max: 3 }), visitor: fc.integer({ min: 0, max: 2 }) }),
            {
              maxLength: 4,
            },
          ),
          fc.integer({ min: 0, max: 1 }),
          async (extra, actorVillage) => {
            const specs = [...core, ...extra];
            const a = await buildTown(env, 2);
            const b = await buildTown(env, 2);
            const visitors = [
              await buildUser(env, 'visitor', a.town.id),
              await buildUser(env, 'visitor', a.town.id),
            ];
            const other = await buildUser(env, 'town_officer', b.town.id);
            const villages = [...a.villages, ...b.villages];
            const tag = Math.random().toString(36).slice(2, 8);
            const persons: {
              id: number;
              name: string;
              townId: number;
              villageId: number;
              visitorId: number | null;
            }[] = [];
            for (const [i, s] of specs.entries()) {
              const v = villages[s.village];
              const inA = s.village < 2;
              const visitorId = inA && s.visitor < 2 ? visitors[s.visitor].id : null;
              const name = `界${tag}${i}号`;
              const p = await buildPerson(env, { townId: v.parent_id!, villageId: v.id, visitorId, name });
              persons.push({
                id: p.id,
                name,
                townId: inA ? a.town.id : b.town.id,
                villageId: v.id,
                visitorId,
              });
            }
            let actor: Awaited<ReturnType<typeof actorClient>>;
            let visible: (p: (typeof persons)[number]) => boolean;
            if (role === 'town_officer') {
              actor = await actorClient(env, role, a.town.id);
              visible = (p) => p.townId === a.town.id;
            } else if (role === 'village_officer') {
              const vid = a.villages[actorVillage].id;
              actor = await actorClient(env, role, vid);
              visible = (p) => p.villageId === vid;
            } else if (role === 'visitor') {
              // Log in as one of the visitors the persons were assigned to.
              const me = visitors[actorVillage];
              const s = await login(env, me.username);
              actor = { ...me, ...s, http: client(env, s.token) };
              visible = (p) => p.visitorId === me.id;
            } else {
              actor = await actorClient(env, role, a.town.id, { department: 'health' });
              visible = () => false;
            }
            const foreign = persons.filter((p) => !visible(p));
            const markers = [...foreign.map((p) => p.name), other.username];
            const ids = {
              person: foreign.map((p) => p.id),
              town: b.town.id,
              village: b.villages[0].id,
              user: other.id,
            };
            const check = async (url: string) => {
              const res = await actor.http.get(url);
              calls++;
              const type = String(res.headers['content-type'] ?? '');
              if (res.statusCode !== 200) return;
              if (type.includes('json') || type.includes('text')) {
                const hit = markers.find((m) => res.body.includes(m));
                if (hit) leaks.push(`${role} GET ${url} shows ${hit}`);
              } else if (/\{(id|personId)\}/.test(url)) {
                leaks.push(`${role} GET ${url} answered a ${type} file for an id outside scope`);
              }
            };
            for (const { path, op } of gets) {
              if (path.startsWith('/api/public/') || path === '/api/openapi.json') continue;
              const params = op.parameters ?? [];
              const pathParams = params.filter((p) => p.in === 'path');
              const query = new Set(params.filter((p) => p.in === 'query').map((p) => p.name));
              if (pathParams.length === 0) {
                await check(path);
                for (const [name, value] of [
                  ['areaId', ids.town],
                  ['townId', ids.town],
                  ['villageId', ids.village],
                  ['personId', ids.person[0]],
                ] as const) {
                  if (query.has(name) && value) await check(`${path}?${name}=${value}`);
                }
                continue;
              }
              // By id: every foreign person id, and the other town's officer for user routes.
              const targets = path.startsWith('/api/users/')
                ? [ids.user]
                : path.startsWith('/api/areas/')
                  ? []
                  : ids.person;
              for (const id of targets) await check(path.replace(/\{\w+\}/g, String(id)));
            }
          },
        ),
        { numRuns: 2, seed: 20261129 },
      );
    }
    console.log(`scope leak: ${calls} GET calls over ${gets.length} routes`);
    expect(leaks, leaks.slice(0, 20).join('\n')).toEqual([]);
    expect(calls).toBeGreaterThan(100);
  }, 600_000);
});
