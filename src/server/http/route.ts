import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type {
  EndpointDef,
  ServerAnswer,
  ServerBody,
  ServerParams,
  ServerQuery,
} from '../../shared/api/contract.js';
import { actorOf, requirePermission } from './auth.js';
import type { Actor } from './scope.js';

/** What a route handler receives: the validated request, the reply, and the checked actor. */
export interface RouteCall<E extends EndpointDef> {
  req: FastifyRequest<{
    Params: ServerParams<E>;
    Querystring: ServerQuery<E>;
    Body: ServerBody<E>;
  }>;
  reply: FastifyReply;
  /** The signed-in user, after the endpoint's permission was checked (a public route: none). */
  actor: E['public'] extends true ? undefined : Actor;
}

export interface RouteOptions {
  /** A larger JSON body than the app's 1 MB (a visit with its photos). */
  bodyLimit?: number;
  /** Fastify route config (e.g. `rateLimit`). */
  config?: Record<string, unknown>;
}

/**
 * Registers the route of a contract endpoint (src/shared/api): the route's method, path, schemas and
 * document come from the endpoint, and the order every route keeps is fixed here — authenticate (the
 * onRequest hook, unless `public`) → validate (the endpoint's zod schemas) → authorize (its
 * permission) → the handler calls the service → the answer goes out through the endpoint's schema.
 * The handler returns the answer (status: the endpoint's first), or sends through `reply` itself.
 */
export function route<E extends EndpointDef>(
  app: FastifyInstance,
  e: E,
  handler: (call: RouteCall<E>) => Promise<ServerAnswer<E> | FastifyReply | undefined>,
  opts: RouteOptions = {},
): void {
  const statuses = Object.keys(e.responses ?? {}).map(Number);
  const status = statuses[0] ?? (e.file ? 200 : 204);
  app.route({
    method: e.method,
    url: e.path,
    bodyLimit: opts.bodyLimit,
    config: { ...opts.config, ...(e.public ? { public: true } : {}) },
    schema: {
      operationId: e.operationId,
      summary: e.summary,
      description: e.description,
      tags: [...e.tags],
      // A public route needs no sign-in: the document says so (no security requirement).
      ...(e.public ? { security: [] } : {}),
      ...(e.params ? { params: e.params } : {}),
      ...(e.query ? { querystring: e.query } : {}),
      ...(e.body ? { body: e.body } : {}),
      ...(e.responses ? { response: { ...e.responses } } : {}),
      // Read by the document's transform (app.ts), not by Fastify: file answers, uploads, examples.
      'x-tanfang': {
        file: e.file,
        upload: e.upload,
        rawBody: e.rawBody,
        permission: e.permission,
        example: e.example,
        status,
      },
    },
    handler: async (req, reply) => {
      const actor = e.public ? undefined : e.permission ? requirePermission(req, e.permission) : actorOf(req);
      const out = await handler({ req, reply, actor } as unknown as RouteCall<E>);
      if (out === reply || reply.sent) return reply;
      if (status === 204) return reply.code(204).send();
      return reply.code(status).send(out);
    },
  });
}
