import type { FastifyInstance, FastifyRequest } from 'fastify';
import { can, type Permission } from '../../shared/roles.js';
import { SERVICE_TOKEN_PREFIX } from '../../shared/signals.js';
import type { Ctx } from '../context.js';
import { authenticate } from '../modules/auth/index.js';
import { refuseServiceToken } from '../modules/signals/index.js';
import { AppError, forbidden, unauthorized } from './errors.js';
import type { Actor } from './scope.js';
import { isApiUrl } from './security-headers.js';

export const SESSION_COOKIE = 'tf_session';
export const CSRF_COOKIE = 'tf_csrf';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
  interface FastifyContextConfig {
    /** Route needs no login. */
    public?: boolean;
  }
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
/** What a user whose password was reset may do before changing it: see who they are, change it, leave. */
const PASSWORD_CHANGE_ALLOWED = new Set(['/api/me', '/api/me/password', '/api/auth/logout']);

/**
 * Authenticates every /api route before its body is validated: Bearer token, or the session cookie
 * plus the CSRF header on unsafe methods (double submit, bound to the session). The hook is attached
 * to each protected route as it is added (`onRoute`), so public routes, files and unknown paths (404)
 * never run it, and no request pays for deciding whether it applies.
 */
export function registerAuth(app: FastifyInstance, ctx: Ctx) {
  app.decorateRequest('actor', null);
  const authenticateRequest = async (req: FastifyRequest) => {
    const header = req.headers.authorization;
    let token: string | undefined;
    let viaCookie = false;
    if (header?.startsWith('Bearer ')) token = header.slice(7).trim();
    else if (req.cookies?.[SESSION_COOKIE]) {
      token = req.cookies[SESSION_COOKIE];
      viaCookie = true;
    }
    if (!token) throw unauthorized();
    // A machine's token (modules/signals) is never a person's session: refused and audited.
    if (token.startsWith(SERVICE_TOKEN_PREFIX)) await refuseServiceToken(ctx, token, req.url);
    const actor = await authenticate(ctx, token, viaCookie);
    if (viaCookie && !SAFE.has(req.method) && req.headers[CSRF_HEADER] !== actor.csrfToken) {
      throw new AppError(403, 'CSRF', '缺少或错误的 CSRF 令牌（请求头 X-CSRF-Token），请刷新页面后重试');
    }
    if (actor.mustChangePassword && !PASSWORD_CHANGE_ALLOWED.has(req.routeOptions.url ?? '')) {
      throw new AppError(403, 'PASSWORD_CHANGE_REQUIRED', '管理员已重置您的密码，请先修改密码后再继续使用');
    }
    req.actor = actor;
  };
  app.addHook('onRoute', (route) => {
    if (!isProtected(route.url, route.config?.public)) return;
    const own = route.onRequest ? (Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest]) : [];
    route.onRequest = [authenticateRequest, ...own];
  });
}

/** Routes that need a login: every JSON API route (not the API's docs) not marked public. */
function isProtected(url: string, isPublic: boolean | undefined): boolean {
  return isApiUrl(url) && !isPublic;
}

/** The authenticated actor of a protected route. */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw unauthorized();
  return req.actor;
}

/** The actor, after checking a permission from the shared table. */
export function requirePermission(req: FastifyRequest, permission: Permission): Actor {
  const actor = actorOf(req);
  if (!can(actor.roles, permission)) throw forbidden();
  return actor;
}
