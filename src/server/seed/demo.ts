import type { Role, VisitorType } from '../../shared/roles.js';
import type { Ctx } from '../context.js';
import type { Queryable } from '../db/db.js';
import { findAreaByCode, insertArea } from '../modules/areas/repo.js';
import { hashPassword } from '../modules/auth/password.js';
import { insertUser, replaceGrants } from '../modules/users/repo.js';
import { DISTRICT, TOWNS } from './areas.js';
import { seedDemoCare } from './care.js';
import { seedDemoCases } from './cases.js';
import { seedDemoPersons } from './persons.js';
import { type DemoUsers, fakeName, rng } from './random.js';
import { seedDemoVisits } from './visits.js';

export const DEMO_PASSWORD = 'Demo@2026';

export const DEMO_LOGINS: { username: string; role: string }[] = [
  { username: 'admin', role: '民政局管理员 (bureau_admin)' },
  { username: 'supervisor', role: '民政局督导 (bureau_supervisor)' },
  { username: 'hantai', role: '罕台镇工作人员 (town_officer)' },
  { username: 'visitor1', role: '罕台镇探访责任人 (visitor)' },
  { username: 'weijian', role: '卫健联络人 (department_liaison)' },
];

/** Creates the district tree if missing; returns area ids by code. Safe to run twice. */
export async function seedAreas(q: Queryable): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  const ensure = async (
    code: string,
    name: string,
    level: 'district' | 'town' | 'village',
    parentId: number | null,
  ) => {
    const found = await findAreaByCode(q, code);
    const id = found ? found.id : (await insertArea(q, { parentId, code, name, level })).id;
    ids.set(code, id);
    return id;
  };
  const district = await ensure(DISTRICT.code, DISTRICT.name, 'district', null);
  for (const t of TOWNS) {
    const townCode = DISTRICT.code + t.code;
    const town = await ensure(townCode, t.name, 'town', district);
    for (const [i, v] of t.villages.entries()) {
      await ensure(townCode + String(i + 1).padStart(3, '0'), v, 'village', town);
    }
  }
  return ids;
}

/** Areas, the five documented demo logins, and officers and visitors for every town. */
export async function seedDemoUsers(ctx: Ctx): Promise<DemoUsers> {
  const hash = await hashPassword(DEMO_PASSWORD);
  const now = ctx.clock.now();
  return ctx.db.tx(async (q) => {
    const areas = await seedAreas(q);
    const byUsername = new Map<string, number>();
    const visitorsByVillage = new Map<number, number[]>();
    const add = async (
      username: string,
      displayName: string,
      grants: { role: Role; areaId: number; department?: 'health' | 'police' }[],
      visitorType?: VisitorType,
    ) => {
      const id = await insertUser(q, { username, displayName, passwordHash: hash, visitorType, now });
      await replaceGrants(
        q,
        id,
        grants.map((g) => ({ ...g, department: g.department ?? null })),
      );
      byUsername.set(username, id);
      return id;
    };
    const district = areas.get(DISTRICT.code)!;
    await add('admin', '区民政局管理员', [{ role: 'bureau_admin', areaId: district }]);
    await add('supervisor', '区民政局督导员', [{ role: 'bureau_supervisor', areaId: district }]);
    await add('weijian', '区卫健委联络员', [
      { role: 'department_liaison', areaId: district, department: 'health' },
    ]);
    await add('gongan', '公安分局联络员', [
      { role: 'department_liaison', areaId: district, department: 'police' },
    ]);
    const rand = rng(2026);
    const types: VisitorType[] = ['cadre', 'coordinator', 'social_worker', 'volunteer'];
    let visitorNo = 1;
    // 罕台镇 first so that visitor1 is one of its visitors.
    const ordered = [...TOWNS].sort((a, b) => Number(b.code === '101') - Number(a.code === '101'));
    for (const t of ordered) {
      const townCode = DISTRICT.code + t.code;
      const townId = areas.get(townCode)!;
      const officer = t.code === '101' ? 'hantai' : `town${t.code}`;
      await add(officer, `${t.name}民政专干`, [{ role: 'town_officer', areaId: townId }]);
      for (const [i] of t.villages.entries()) {
        const villageId = areas.get(townCode + String(i + 1).padStart(3, '0'))!;
        const ids: number[] = [];
        for (let k = 0; k < 2; k++) {
          const username = `visitor${visitorNo++}`;
          const type = types[(visitorNo + k) % types.length];
          ids.push(await add(username, fakeName(rand), [{ role: 'visitor', areaId: villageId }], type));
        }
        visitorsByVillage.set(villageId, ids);
      }
    }
    return { byUsername, visitorsByVillage };
  });
}

/** Loads the whole demo on an empty database. Later modules add their part here. */
export async function seedDemo(ctx: Ctx, onProgress?: (step: string) => void): Promise<void> {
  onProgress?.('辖区与用户');
  const users = await seedDemoUsers(ctx);
  onProgress?.('特困人员档案');
  await seedDemoPersons(ctx, users);
  onProgress?.('照料服务人、照料协议与资金发放');
  await seedDemoCare(ctx);
  onProgress?.('探访任务与探访记录');
  await seedDemoVisits(ctx);
  onProgress?.('应急事件、诉求整改与转介');
  await seedDemoCases(ctx);
}
