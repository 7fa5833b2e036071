import { ConfigError } from '../server/config.js';
import type { Ctx } from '../server/context.js';
import { findAreaByCode } from '../server/modules/areas/index.js';
import { appendAudit } from '../server/modules/audit/index.js';
import { generatePassword, hashPassword } from '../server/modules/auth/index.js';
import { insertUser, replaceGrants, usernameTaken } from '../server/modules/users/index.js';
import { passwordProblem } from '../shared/password-policy.js';
import {
  DEPARTMENTS,
  type Department,
  ROLES,
  type Role,
  VISITOR_TYPES,
  type VisitorType,
} from '../shared/roles.js';

export async function createUser(
  ctx: Ctx,
  o: {
    username: string;
    role: string;
    area: string;
    name?: string;
    password?: string;
    department?: string;
    visitorType?: string;
  },
): Promise<{ id: number; password?: string }> {
  if (!ROLES.includes(o.role as Role)) throw new ConfigError(`未知角色 ${o.role}；可选 ${ROLES.join('、')}`);
  if (o.department && !DEPARTMENTS.includes(o.department as Department))
    throw new ConfigError(`未知部门 ${o.department}`);
  if (o.role === 'department_liaison' && !o.department) throw new ConfigError('部门联络人需要 --department');
  if (o.visitorType && !VISITOR_TYPES.includes(o.visitorType as VisitorType))
    throw new ConfigError(`未知探访责任人类型 ${o.visitorType}`);
  const area = await findAreaByCode(ctx.db, o.area);
  if (!area) throw new ConfigError(`辖区代码 ${o.area} 不存在`);
  const password = o.password ?? generatePassword();
  const problem = passwordProblem(password, o.username);
  if (problem) throw new ConfigError(problem);
  const hash = await hashPassword(password);
  const id = await ctx.db.tx(async (q) => {
    if (await usernameTaken(q, o.username)) throw new ConfigError(`用户名 ${o.username} 已存在`);
    const id = await insertUser(q, {
      username: o.username,
      displayName: o.name ?? o.username,
      passwordHash: hash,
      visitorType: o.visitorType ?? (o.role === 'visitor' ? 'cadre' : null),
      now: ctx.clock.now(),
    });
    await replaceGrants(q, id, [
      { role: o.role as Role, areaId: area.id, department: (o.department as Department) ?? null },
    ]);
    await appendAudit(q, {
      at: ctx.clock.now(),
      actorId: null,
      action: 'user.create',
      entity: 'user',
      entityId: id,
      detail: { via: 'cli', username: o.username },
    });
    return id;
  });
  return { id, password: o.password ? undefined : password };
}
