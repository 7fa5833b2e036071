import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import type { ApiError } from '../../shared/errors.js';
import { isDbUnavailable } from '../db/db.js';

/** An error a use case raises on purpose; the handler turns it into the one JSON error shape. */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** Extra answer headers (Retry-After on 429 and 503). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, field?: string) =>
  new AppError(400, 'BAD_REQUEST', message, field);
export const notFound = (what = '记录') => new AppError(404, 'NOT_FOUND', `${what}不存在或不在您的辖区内`);
export const forbidden = (message = '无权执行此操作') => new AppError(403, 'FORBIDDEN', message);
export const conflict = (message: string, field?: string) => new AppError(409, 'CONFLICT', message, field);
export const unauthorized = (message = '请先登录') => new AppError(401, 'UNAUTHORIZED', message);
/** The server (or this kind of work on it) is at its limit: 503 with Retry-After, in Chinese. */
export const busy = (seconds: number) =>
  new AppError(503, 'BUSY', `系统繁忙，请 ${seconds} 秒后再试`, undefined, {
    'retry-after': String(seconds),
  });
/** Too many attempts by this caller: 429 with Retry-After, in Chinese. */
export const tooManyRequests = (seconds: number, what = '尝试') =>
  new AppError(429, 'RATE_LIMITED', `${what}过于频繁，请 ${seconds} 秒后再试`, undefined, {
    'retry-after': String(seconds),
  });

/** Retry-After of a 503 during a failover: Patroni promotes a new leader within ~20 s (docs/运维手册.md). */
export const DB_RETRY_AFTER_SECONDS = 5;

const PART_LABEL: Record<string, string> = {
  body: '请求体',
  querystring: '查询参数',
  params: '路径参数',
  headers: '请求头',
};

export function registerErrorHandler(app: FastifyInstance) {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const send = (e: ApiError) => reply.code(e.statusCode).send(e);
    if (err instanceof AppError) {
      if (err.headers) reply.headers(err.headers);
      return send({ statusCode: err.statusCode, code: err.code, message: err.message, field: err.field });
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const first = err.validation[0];
      const path = first.instancePath.replace(/^\//, '').replace(/\//g, '.');
      const part = err.validationContext ?? 'body';
      const field = path ? `${part}.${path}` : part;
      const label = path ? `字段 ${path}` : (PART_LABEL[part] ?? part);
      return send({ statusCode: 400, code: 'VALIDATION', message: `${label}：${first.message}`, field });
    }
    if (isResponseSerializationError(err)) {
      req.log.error({ err, issues: err.cause.issues }, 'response does not match its schema');
      return send({ statusCode: 500, code: 'INTERNAL', message: '服务器内部错误' });
    }
    const status = err.statusCode ?? 500;
    if (status < 500) {
      const messages: Record<string, string> = {
        FST_ERR_CTP_INVALID_JSON_BODY: '请求体不是有效的 JSON',
        FST_ERR_CTP_EMPTY_JSON_BODY: '请求体为空，应为 JSON',
        FST_ERR_CTP_BODY_TOO_LARGE: '请求体过大',
        FST_ERR_CTP_INVALID_MEDIA_TYPE: '不支持的请求内容类型',
        FST_ERR_CTP_INVALID_CONTENT_LENGTH: '请求体长度与 Content-Length 不符',
      };
      const isJsonSyntax = err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY';
      const message = isJsonSyntax
        ? messages.FST_ERR_CTP_INVALID_JSON_BODY
        : (messages[err.code] ?? err.message);
      return send({
        statusCode: status,
        code: err.code ?? 'BAD_REQUEST',
        message,
        field: status === 413 || isJsonSyntax ? 'body' : undefined,
      });
    }
    // A value the database cannot hold (SQLSTATE class 22: number out of range, malformed date…) is
    // the caller's mistake, not a crash. http/observability.ts names the field for the common cases.
    if (/^22[0-9A-Z]{3}$/.test(String((err as any).code ?? ''))) {
      req.log.warn({ err }, 'database refused a value');
      return send({ statusCode: 400, code: 'BAD_REQUEST', message: '输入的值超出允许范围或格式不正确' });
    }
    // A failover or switchover under way (db/db.ts isDbUnavailable): nothing uncommitted was kept, the
    // connection was discarded, and the same request succeeds once the new leader takes writes.
    if (isDbUnavailable(err)) {
      req.log.warn({ err }, 'database unavailable');
      reply.header('retry-after', String(DB_RETRY_AFTER_SECONDS));
      return send({
        statusCode: 503,
        code: 'DB_UNAVAILABLE',
        message: '数据库暂时不可用（可能正在主备切换），请稍后重试',
      });
    }
    // A reference to a row that does not exist (an id no check caught) is the caller's mistake.
    if ((err as any).code === '23503') {
      req.log.warn({ err }, 'foreign key refused');
      return send({ statusCode: 400, code: 'BAD_REQUEST', message: '引用的记录不存在' });
    }
    // Unique-constraint races surface as conflicts, not crashes.
    if ((err as any).code === '23505') {
      return send({ statusCode: 409, code: 'CONFLICT', message: '记录已存在（唯一性冲突）' });
    }
    req.log.error({ err }, 'unhandled error');
    return send({ statusCode: 500, code: 'INTERNAL', message: '服务器内部错误，请稍后重试' });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({
      statusCode: 404,
      code: 'NOT_FOUND',
      message: `接口不存在：${req.method} ${req.url.split('?')[0]}`,
    });
  });
}
