import type { z } from 'zod';
import type { Permission } from '../roles.js';

/**
 * The API contract: every operation declared once, as data, here in `src/shared/api/`. The server
 * registers its route from it (`server/http/route.ts`: validation, the permission, the answer's
 * schema, the OpenAPI document), and the console and the phone build their calls from it
 * (`requestOf`, `web/lib/api.ts` `call`), so a request, its limits and its answer have one
 * definition: a field added to a schema here reaches the route, the document and the callers' types.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** An answer that is a file or a stream rather than JSON (documented as binary with its type). */
export interface FileAnswer {
  /** Content type(s) the route sends. */
  readonly mime: string;
  readonly description: string;
}

export interface EndpointDef {
  readonly method: HttpMethod;
  /** Fastify-style path, `:name` for a parameter. */
  readonly path: `/${string}`;
  /** Unique, camelCase: integrators' generated clients name their functions after it. */
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  /**
   * The permission the route checks before anything else (the shared table in `roles.ts`). Omitted:
   * any signed-in user (the service may check more, e.g. scope); `public: true`: no sign-in at all.
   */
  readonly permission?: Permission;
  readonly public?: boolean;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  /** JSON answers by status. Omitted with no `file`: the route answers 204 without a body. */
  readonly responses?: Readonly<Partial<Record<200 | 201 | 202, z.ZodType>>>;
  readonly file?: FileAnswer;
  /** A multipart upload: the file field's name and what it takes (the body is not JSON). */
  readonly upload?: { readonly field: string; readonly description: string };
  /**
   * A file sent as the request body itself, neither JSON nor multipart (a machine signs these very
   * bytes): the content types it takes, what it is, and an example shown in the document.
   */
  readonly rawBody?: {
    readonly mime: readonly string[];
    readonly description: string;
    readonly example?: string;
  };
  /** Example request body shown in the document. */
  readonly example?: unknown;
}

/** Declares an endpoint (identity: it keeps the literal types the server and the callers read). */
export const endpoint = <const E extends EndpointDef>(e: E): E => e;

type Input<S> = S extends z.ZodType ? z.input<S> : undefined;
type Output<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What a caller passes: path parameters, query and body, each as the schema takes them. */
export type CallInput<E extends EndpointDef> = (E['params'] extends z.ZodType
  ? { params: Input<E['params']> }
  : { params?: undefined }) &
  (E['query'] extends z.ZodType ? { query?: Input<E['query']> } : { query?: undefined }) &
  (E['body'] extends z.ZodType ? { body: Input<E['body']> } : { body?: undefined });

/** What a caller gets back: the JSON answer (any success status), or nothing. */
export type Answer<E extends EndpointDef> =
  E['responses'] extends Readonly<Partial<Record<number, z.ZodType>>>
    ? Output<NonNullable<E['responses'][keyof E['responses']]>>
    : undefined;

/**
 * An endpoint's method and path without its schemas, for a client that must stay light (the phone
 * app does not load zod): declared there with the contract's literal types, so a path or method that
 * drifts from the contract does not compile.
 */
export type OperationOf<E extends EndpointDef> = Pick<E, 'method' | 'path' | 'operationId'>;

/** A JSON answer's type, for pages and forms: `AnswerOf<typeof visits.getVisit>`. */
export type AnswerOf<E extends EndpointDef> = Answer<E>;
/** A request body's type as a form fills it. */
export type BodyOf<E extends EndpointDef> = Input<E['body']>;
/** A query's type as a page builds it. */
export type QueryOf<E extends EndpointDef> = Input<E['query']>;

/** Server side: what the route handler receives after validation (coercions and defaults applied). */
export type ServerParams<E extends EndpointDef> = Output<E['params']>;
export type ServerQuery<E extends EndpointDef> = Output<E['query']>;
export type ServerBody<E extends EndpointDef> = Output<E['body']>;
/** Server side: what the handler returns, before the answer's schema serialises it. */
export type ServerAnswer<E extends EndpointDef> =
  E['responses'] extends Readonly<Partial<Record<number, z.ZodType>>>
    ? Input<NonNullable<E['responses'][keyof E['responses']]>>
    : undefined;

/** The URL of a call: path parameters filled in (encoded), the query's defined values appended. */
export function urlOf(
  e: Pick<EndpointDef, 'path' | 'operationId'>,
  input: { params?: unknown; query?: unknown } = {},
): string {
  const params = (input.params ?? {}) as Record<string, unknown>;
  const path = e.path.replace(/:(\w+)/g, (_, name: string) => {
    const v = params[name];
    if (v === undefined || v === null || v === '') throw new Error(`${e.operationId}: 缺少路径参数 ${name}`);
    return encodeURIComponent(String(v));
  });
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries((input.query ?? {}) as Record<string, unknown>)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const x of v) qs.append(k, String(x));
    else qs.append(k, v instanceof Date ? v.toISOString() : String(v));
  }
  const q = qs.toString();
  return q ? `${path}?${q}` : path;
}

/** The HTTP request of a call, for any fetch (the console's cookie session, the phone's bearer token). */
export function requestOf<E extends EndpointDef>(
  e: E | OperationOf<E>,
  input: CallInput<E>,
): { method: HttpMethod; url: string; body?: unknown } {
  const i = input as { params?: unknown; query?: unknown; body?: unknown };
  return { method: e.method, url: urlOf(e, i), body: i.body };
}
