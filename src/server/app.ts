import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import fastifyCompress from '@fastify/compress';
import fastifyCookie from '@fastify/cookie';
import fastifyMultipart from '@fastify/multipart';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Ctx } from './context.js';
import { registerAuth } from './http/auth.js';
import { registerErrorHandler } from './http/errors.js';
import { registerObservability } from './http/observability.js';
import { documentObjectTransform, documentTransform } from './http/openapi.js';
import { registerSecurityHeaders } from './http/security-headers.js';
import { IMPORT_MAX_BYTES } from './modules/persons/index.js';
import { WEB_DIR } from './paths.js';

z.config(z.locales.zhCN());

/** Content types worth compressing: text, JSON, XML, JavaScript, SVG (not octet-stream: files). */
const COMPRESSIBLE =
  /^(?:text\/(?!event-stream)|application\/(?:[\w.+-]*\+)?(?:json|xml|javascript)|image\/svg\+xml)/;

/**
 * Vite names every built file under /assets/ by its content hash, so a year's immutable caching is
 * safe: a new build is new names. Everything else — the two HTML entries, the service worker, the
 * manifest and icons — is revalidated on each use (ETag), so a deployment is seen at the next load.
 */
export function cacheControlFor(pathInWebDir: string): string {
  return /^[\\/]?assets[\\/]/.test(pathInWebDir) ? 'public, max-age=31536000, immutable' : 'no-cache';
}

export { WEB_DIR };

/** Builds the HTTP app on an open database. Tests build it too (with app.inject). */
export async function buildApp(
  ctx: Ctx,
  opts: { logger?: boolean | object; webDir?: string } = {},
): Promise<FastifyInstance> {
  const webDir = opts.webDir ?? WEB_DIR;
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: 1024 * 1024,
    trustProxy: process.env.TANFANG_TRUST_PROXY === '1',
    // A caller's (or proxy's) x-request-id is kept when sane, so one id follows a request across hops.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.:-]{8,80}$/.test(given) ? given : crypto.randomUUID();
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // An answer's text goes out as its UTF-8 bytes made once: left a string, Fastify measured it (which
  // flattens it) and the socket converted it again. Less garbage a request, fewer pauses of the
  // collector in the work lists' tail (docs/SCALING.md).
  app.addHook('onSend', (_req, _reply, payload, done) =>
    done(null, typeof payload === 'string' ? Buffer.from(payload) : payload),
  );
  registerErrorHandler(app);

  registerSecurityHeaders(app);
  // JSON and text answers leave compressed (br, else gzip) when the client accepts it: a township line
  // or a phone on 2G carries a fifth of the bytes. Brotli at quality 4 (the plugin's default; 11 costs
  // ~20× the CPU for a few % less). Built files are compressed once at build time (vite.config.ts) and
  // served as they are (`preCompressed` below); .xlsx, PDF and photos are compressed already and are
  // left alone. Request bodies are not inflated: an upload's limits count the bytes that arrive.
  await app.register(fastifyCompress, {
    encodings: ['br', 'gzip'],
    customTypes: COMPRESSIBLE,
    globalDecompression: false,
  });
  await app.register(fastifyCookie);
  // Uploads (roster import): one file per request, size-limited; routes stream it to a temp file.
  await app.register(fastifyMultipart, { limits: { fileSize: IMPORT_MAX_BYTES, files: 1, fields: 10 } });
  await app.register(fastifyRateLimit, {
    global: false,
    // After parsing, so the login limit can key on the username as well as the address.
    hook: 'preHandler',
    errorResponseBuilder: (_req, c) => ({
      statusCode: 429,
      code: 'RATE_LIMITED',
      message: `尝试过于频繁，请 ${Math.ceil(c.ttl / 1000)} 秒后再试`,
    }),
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'tanfang 探访 API',
        version: '0.1.0',
        description:
          '分散供养特困人员定期探访系统。每个操作的请求、应答和限制定义在 src/shared/api/（服务端、管理端和手机端共用）。错误应答统一为 ApiError。',
        license: { name: '内部使用（非开源）' },
      },
      servers: [{ url: '/', description: '本服务器' }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'tf_session' },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
    transform: documentTransform,
    transformObject: documentObjectTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });
  registerAuth(app, ctx);
  registerObservability(app, ctx);

  // Every module's routes, in the registry's order (modules/registry.ts).
  for (const m of ctx.registry.modules) m.routes?.(app, ctx);
  app.get('/api/openapi.json', { config: { public: true }, schema: { hide: true } }, async () =>
    app.swagger(),
  );

  if (existsSync(webDir)) {
    await app.register(fastifyStatic, {
      root: webDir,
      wildcard: false,
      preCompressed: true,
      cacheControl: false,
      setHeaders: (res, path) => {
        res.setHeader('cache-control', cacheControlFor(relative(webDir, path)));
        res.setHeader('vary', 'accept-encoding');
      },
    });
    // Client-side routes of the single-page app fall back to index.html.
    app.get('/*', { schema: { hide: true } }, (req, reply) => {
      if (req.url.startsWith('/api/')) return reply.callNotFound();
      // The visitor app (phone, offline) is its own light entry under /m/.
      if (req.url === '/m' || req.url.startsWith('/m/') || req.url.startsWith('/m?'))
        return reply.sendFile('visitor/visitor.html');
      return reply.sendFile('index.html');
    });
  }
  return app;
}
