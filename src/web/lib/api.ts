import {
  type Answer,
  type CallInput,
  type EndpointDef,
  type OperationOf,
  requestOf,
  urlOf,
} from '../../shared/api/contract';
import type { ApiError } from '../../shared/errors';

/** An API error with the server's message and field, for forms to show. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiError,
    /** Seconds from the answer's Retry-After (a 503 while the database fails over). */
    readonly retryAfter?: number,
  ) {
    super(body.message);
  }
}

/** How long a read keeps trying through a database failover (the server answers 503 meanwhile). */
const READ_RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 8000, 8000];

/**
 * TanStack Query's `retry` for reads (GET is idempotent): a 503 or a dropped connection — a failover
 * or an app process restarting — is tried again for about half a minute; another 5xx once; a 4xx
 * never (the answer will not change). Writes are not retried this way (mutations default to no
 * retry): a POST that is not idempotent could happen twice.
 */
export function retryRead(failureCount: number, error: unknown): boolean {
  if (error instanceof HttpError) {
    if (error.status === 503) return failureCount < READ_RETRY_DELAYS_MS.length;
    return error.status >= 500 && failureCount < 1;
  }
  // fetch rejects with a TypeError when the connection fails.
  return error instanceof TypeError && failureCount < READ_RETRY_DELAYS_MS.length;
}

/** Wait before retry n of a read: the server's Retry-After when it gave one (at most 30 s), else 1, 2, 4, 8 s. */
export function retryReadDelay(failureCount: number, error: unknown): number {
  if (error instanceof HttpError && error.retryAfter !== undefined)
    return Math.min(30, error.retryAfter) * 1000;
  return READ_RETRY_DELAYS_MS[Math.min(failureCount, READ_RETRY_DELAYS_MS.length - 1)];
}

/** The CSRF token of the cookie session (sent as X-CSRF-Token on changes). */
export function csrfToken(): string {
  const raw = document.cookie
    .split('; ')
    .find((c) => c.startsWith('tf_csrf='))
    ?.slice(8);
  return raw ? decodeURIComponent(raw) : '';
}

let onUnauthorized: (() => void) | undefined;
/** Called when any request answers 401, so the app can go back to the login page. */
export function setUnauthorizedHandler(fn: () => void) {
  onUnauthorized = fn;
}

let onPasswordChangeRequired: (() => void) | undefined;
/**
 * Called when a request answers 403 PASSWORD_CHANGE_REQUIRED (an administrator reset the password):
 * the console then asks for a new password before anything else.
 */
export function setPasswordChangeHandler(fn: (() => void) | undefined) {
  onPasswordChangeRequired = fn;
}

/** fetch for the JSON API: cookie session, CSRF header, one error shape. */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = init.method ?? (init.body === undefined ? 'GET' : 'POST');
  const headers: Record<string, string> = {};
  let body: BodyInit | undefined;
  if (init.body instanceof FormData) body = init.body;
  else if (init.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.body);
  }
  if (method !== 'GET') {
    const t = csrfToken();
    if (t) headers['x-csrf-token'] = t;
  }
  const res = await fetch(path, { method, headers, body, credentials: 'same-origin' });
  if (res.status === 204) return undefined as T;
  const data = await res
    .json()
    .catch(() => ({ statusCode: res.status, code: 'NETWORK', message: `服务器返回 ${res.status}` }));
  if (!res.ok) {
    if (res.status === 401 && !path.startsWith('/api/auth/login')) onUnauthorized?.();
    if (res.status === 403 && (data as ApiError).code === 'PASSWORD_CHANGE_REQUIRED')
      onPasswordChangeRequired?.();
    const retryAfter = Number(res.headers.get('retry-after') ?? Number.NaN);
    throw new HttpError(res.status, data as ApiError, Number.isFinite(retryAfter) ? retryAfter : undefined);
  }
  return data as T;
}

/**
 * A call of a contract endpoint (src/shared/api): the URL, method and body built from the endpoint,
 * and the answer typed by its schema — no page declares an API type or a path by hand. Code that must
 * not load zod (the console's first chunk: the login) passes the endpoint's `OperationOf` and names
 * the endpoint's type: `call<typeof auth.login>(LOGIN, …)`.
 */
export function call<E extends EndpointDef>(
  e: E | OperationOf<E>,
  ...[input]: object extends CallInput<E> ? [CallInput<E>?] : [CallInput<E>]
): Promise<Answer<E>> {
  const r = requestOf(e, (input ?? {}) as CallInput<E>);
  return api<Answer<E>>(r.url, { method: r.method, body: r.body });
}

/** The URL of a GET endpoint, for links and downloads (`<a href>`, the streamed ledgers). */
export const hrefOf = <E extends EndpointDef>(e: E, input: { params?: unknown; query?: unknown } = {}) =>
  urlOf(e, input);
