import type { ApiError } from '../../shared/errors';

/** An API error with the server's message and field, for forms to show. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiError,
  ) {
    super(body.message);
  }
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
    throw new HttpError(res.status, data as ApiError);
  }
  return data as T;
}
