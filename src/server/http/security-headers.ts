import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/**
 * Security headers (helmet) on every answer: CSP for the console and the phone app, no sniffing,
 * no framing, HSTS. The helmet middleware is built once here; @fastify/helmet built it again for
 * every request (parsing the CSP directives each time: ~80 µs, more than a small answer's handler).
 */
export function registerSecurityHeaders(app: FastifyInstance) {
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
  app.addHook('onRequest', (req, reply, done) =>
    apply(req.raw, reply.raw, (err) => done(err as Error | undefined)),
  );
}
