import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/**
 * Security headers on every answer, and the request id (`x-request-id`, also in every log line).
 *
 * Pages and files (the console, the phone app, /api/docs) get helmet's set with this system's CSP.
 * JSON answers under /api/ get the set OWASP's REST guidance names for APIs (`apiHeaders`): no page
 * runs in them, so the document policies (script sources, DNS prefetch, download options, agent
 * clusters…) do nothing there but add ~500 bytes to every answer a phone on a weak signal receives,
 * and `cache-control: no-store` keeps answers full of personal data out of browser and proxy caches
 * (routes that may be cached — photos, the phone's bundle with its ETag — set their own).
 *
 * Neither set depends on the request (no CSP nonces), so both are built once at start.
 * @fastify/helmet built helmet's middleware again for every request (parsing the CSP each time,
 * ~80 µs); running the built middleware per request still cost ~28 µs of header validation.
 */
export function registerSecurityHeaders(app: FastifyInstance) {
  const page = securityHeaders();
  const api = apiHeaders(page);
  app.addHook('onRequest', (req, reply, done) => {
    reply.headers(isApiUrl(req.url) ? api : page);
    // Set here rather than when sending: every answer has it, those of a hook that threw too.
    reply.header('x-request-id', req.id);
    done();
  });
}

/** JSON API paths (the API's own HTML pages, /api/docs, are pages); `auth.ts` protects these. */
export function isApiUrl(url: string): boolean {
  return url.startsWith('/api/') && !url.startsWith('/api/docs');
}

/** The headers of a JSON answer: no content may load, none may frame it, nothing may cache it. */
export function apiHeaders(page: Record<string, string>): Record<string, string> {
  return {
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'strict-transport-security': page['strict-transport-security'],
    'referrer-policy': 'no-referrer',
    'cross-origin-resource-policy': 'same-origin',
    'cache-control': 'no-store',
  };
}

/** The headers helmet sets with this system's policy. */
export function securityHeaders(): Record<string, string> {
  const apply = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        connectSrc: ["'self'"],
        workerSrc: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    crossOriginEmbedderPolicy: false,
  });
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  let error: unknown;
  apply({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    error = err;
  });
  if (error) throw error;
  if (!headers['content-security-policy']) throw new Error('helmet set no Content-Security-Policy');
  return headers;
}
