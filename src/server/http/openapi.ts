import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { ApiErrorSchema } from '../../shared/api/common.js';

type Transform = typeof jsonSchemaTransform;
type TransformInput = Parameters<Transform>[0];
type Schema = Record<string, any>;

interface RouteDoc {
  file?: { mime: string; description: string };
  upload?: { field: string; description: string };
  rawBody?: { mime: readonly string[]; description: string; example?: string };
  permission?: string;
  example?: unknown;
  status: number;
}

const ERROR_CONTENT = {
  'application/json': { schema: { $ref: '#/components/schemas/ApiError' } },
};

/**
 * The OpenAPI document of a route: the zod schemas as JSON Schema (fastify-type-provider-zod), then
 * what the contract says beyond them (server/http/route.ts puts it under `x-tanfang`): a file answer
 * as binary content of its type, a multipart upload, a raw file body (its content types), 204 without a body, the permission in the
 * description, an example body — and every operation's error answer (the one error shape).
 */
export function documentTransform(input: TransformInput): ReturnType<Transform> {
  const doc = input.schema as Schema | undefined;
  const own = doc?.['x-tanfang'] as RouteDoc | undefined;
  const out = jsonSchemaTransform(input);
  const schema = out.schema as Schema;
  if (!schema || schema.hide) return out;
  delete schema['x-tanfang'];
  if (own) {
    if (own.file) {
      schema.response = {
        ...schema.response,
        [own.status]: {
          description: own.file.description,
          content: Object.fromEntries(
            own.file.mime.split(',').map((m) => [m.trim(), { schema: { type: 'string', format: 'binary' } }]),
          ),
        },
      };
    }
    if (own.status === 204)
      schema.response = { ...schema.response, 204: { description: '成功，无内容', type: 'null' } };
    if (own.upload) {
      schema.consumes = ['multipart/form-data'];
      schema.body = {
        type: 'object',
        required: [own.upload.field],
        properties: {
          [own.upload.field]: { type: 'string', format: 'binary', description: own.upload.description },
        },
      };
    }
    if (own.rawBody) {
      schema.consumes = [...own.rawBody.mime];
      schema.body = {
        type: 'string',
        format: 'binary',
        description: own.rawBody.description,
        ...(own.rawBody.example !== undefined ? { example: own.rawBody.example } : {}),
      };
    }
    if (own.permission)
      schema.description = `${schema.description ? `${schema.description}\n\n` : ''}权限：\`${own.permission}\``;
    if (own.example !== undefined && schema.body) schema.body = { ...schema.body, example: own.example };
  }
  schema.response = {
    ...schema.response,
    '4XX': { description: '请求被拒绝（校验、权限、不存在或冲突），见 ApiError', content: ERROR_CONTENT },
  };
  for (const part of ['body', 'querystring', 'params', 'response']) nullableIntoBranches(schema[part]);
  return out;
}

/**
 * OpenAPI 3.0 has no null type: a nullable union comes out of the converter as `anyOf` with
 * `nullable: true` beside it and no `type`, which the 3.0 rules reject (Redocly's
 * nullable-type-sibling). The same meaning in valid 3.0: `nullable` on each typed branch.
 */
export function nullableIntoBranches(s: unknown): void {
  if (!s || typeof s !== 'object') return;
  if (Array.isArray(s)) {
    for (const x of s) nullableIntoBranches(x);
    return;
  }
  const o = s as Record<string, any>;
  if (o.nullable === true && o.type === undefined) {
    const branches = o.anyOf ?? o.oneOf;
    if (
      Array.isArray(branches) &&
      branches.every((b) => b && typeof b === 'object' && b.type !== undefined)
    ) {
      for (const b of branches) b.nullable = true;
      delete o.nullable;
    }
  }
  for (const v of Object.values(o)) nullableIntoBranches(v);
}

/** The document as a whole: components from the zod registry (named schemas such as ApiError). */
export const documentObjectTransform: typeof jsonSchemaTransformObject = (input) => {
  const doc = jsonSchemaTransformObject(input);
  nullableIntoBranches((doc as { components?: unknown }).components);
  return doc;
};

/** Named schemas that must be components (referenced by name above). */
export const NAMED_SCHEMAS = [ApiErrorSchema];
