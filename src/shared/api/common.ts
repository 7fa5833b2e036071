import { z } from 'zod';

/** The one error shape every API answer uses (src/shared/errors.ts `ApiError`), as a schema. */
export const ApiErrorSchema = z
  .object({
    statusCode: z.number().int().describe('HTTP 状态码'),
    code: z
      .string()
      .describe('错误代码：VALIDATION、BAD_REQUEST、FORBIDDEN、NOT_FOUND、CONFLICT、RATE_LIMITED …'),
    message: z.string().describe('给用户看的中文说明'),
    field: z.string().optional().describe('出错的字段（点分路径，如 body.username）'),
  })
  .meta({ id: 'ApiError', description: '错误应答（所有接口共用）' });
