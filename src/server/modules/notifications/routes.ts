import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ChannelConfigInput, OUTBOX_STATUSES } from '../../../shared/notifications.js';
import type { Ctx } from '../../context.js';
import { actorOf, requirePermission } from '../../http/auth.js';
import * as repo from './repo.js';
import * as service from './service.js';

const InboxItem = z.object({
  id: z.number(),
  kind: z.string(),
  title: z.string(),
  body: z.string(),
  ref: z.object({ entity: z.string(), id: z.string() }).nullable(),
  createdAt: z.string(),
  read: z.boolean(),
});
const Unread = z.object({ unread: z.number() });
const Id = z.object({ id: z.coerce.number().int() });

const ChannelsOut = z.object({
  email: z.object({
    enabled: z.boolean(),
    host: z.string(),
    port: z.number(),
    secure: z.boolean(),
    from: z.string(),
    user: z.string(),
    hasPassword: z.boolean(),
  }),
  webhook: z.object({ enabled: z.boolean(), url: z.string(), hasSecret: z.boolean() }),
  maxAttempts: z.number(),
  backoffSeconds: z.number(),
});
const presentChannels = (c: service.ChannelConfig): z.infer<typeof ChannelsOut> => ({
  email: {
    enabled: c.email.enabled,
    host: c.email.host,
    port: c.email.port,
    secure: c.email.secure,
    from: c.email.from,
    user: c.email.user,
    hasPassword: !!c.email.password,
  },
  webhook: { enabled: c.webhook.enabled, url: c.webhook.url, hasSecret: !!c.webhook.secret },
  maxAttempts: c.maxAttempts,
  backoffSeconds: c.backoffSeconds,
});

const OutboxItem = z.object({
  id: z.number(),
  channel: z.enum(['email', 'webhook']),
  recipient: z.string(),
  title: z.string(),
  status: z.enum(OUTBOX_STATUSES),
  attempts: z.number(),
  nextAttemptAt: z.string().nullable(),
  lastError: z.string().nullable(),
  sentAt: z.string().nullable(),
  createdAt: z.string(),
});

export function notificationRoutes(app: FastifyInstance, ctx: Ctx) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/inbox',
    {
      schema: {
        tags: ['通知'],
        summary: '我的站内通知（含未读数）',
        querystring: z.object({
          unread: z.enum(['0', '1']).optional(),
          cursor: z.coerce.number().int().optional(),
          limit: z.coerce.number().int().min(1).max(100).default(30),
        }),
        response: {
          200: z.object({ items: z.array(InboxItem), unread: z.number(), nextCursor: z.number().nullable() }),
        },
      },
    },
    async (req) => {
      const { items, unread } = await service.listInbox(ctx, actorOf(req), {
        unreadOnly: req.query.unread === '1',
        cursor: req.query.cursor,
        limit: req.query.limit,
      });
      return {
        items: items.map((n) => ({
          id: n.id,
          kind: n.kind,
          title: n.title,
          body: n.body,
          ref: n.ref_entity && n.ref_id ? { entity: n.ref_entity, id: n.ref_id } : null,
          createdAt: new Date(n.created_at).toISOString(),
          read: !!n.read_at,
        })),
        unread,
        nextCursor: items.length === req.query.limit ? items[items.length - 1].id : null,
      };
    },
  );
  r.get(
    '/api/inbox/unread-count',
    { schema: { tags: ['通知'], summary: '未读通知数（页头角标）', response: { 200: Unread } } },
    async (req) => ({ unread: await repo.unreadCount(ctx.db, actorOf(req).userId) }),
  );
  r.post(
    '/api/inbox/:id/read',
    { schema: { tags: ['通知'], summary: '标为已读', params: Id, response: { 200: Unread } } },
    async (req) => service.markRead(ctx, actorOf(req), req.params.id),
  );
  r.post(
    '/api/inbox/read-all',
    { schema: { tags: ['通知'], summary: '全部标为已读', response: { 200: Unread } } },
    async (req) => service.markAllRead(ctx, actorOf(req)),
  );
  r.get(
    '/api/inbox/settings',
    {
      schema: {
        tags: ['通知'],
        summary: '我的通知接收设置',
        response: { 200: z.object({ email: z.string().nullable() }) },
      },
    },
    async (req) => ({ email: await repo.getNotifyEmail(ctx.db, actorOf(req).userId) }),
  );
  r.put(
    '/api/inbox/settings',
    {
      schema: {
        tags: ['通知'],
        summary: '设置接收通知的邮箱（留空则不发邮件）',
        body: z.object({ email: z.union([z.email('邮箱格式不正确'), z.literal('')]).nullable() }),
        response: { 200: z.object({ email: z.string().nullable() }) },
      },
    },
    async (req) => {
      const email = req.body.email || null;
      await service.setMyEmail(ctx, actorOf(req), email);
      return { email };
    },
  );
  r.get(
    '/api/notifications/channels',
    { schema: { tags: ['通知'], summary: '外发渠道配置', response: { 200: ChannelsOut } } },
    async (req) => {
      requirePermission(req, 'config.manage');
      return presentChannels(await service.loadChannels(ctx.db));
    },
  );
  r.put(
    '/api/notifications/channels',
    {
      schema: {
        tags: ['通知'],
        summary: '保存外发渠道配置（密码、密钥留空则保留原值）',
        body: ChannelConfigInput,
        response: { 200: ChannelsOut },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'config.manage');
      return presentChannels(await service.saveChannels(ctx, actor, req.body));
    },
  );
  r.get(
    '/api/notifications/outbox',
    {
      schema: {
        tags: ['通知'],
        summary: '外发队列（发送状态）',
        querystring: z.object({
          status: z.enum(OUTBOX_STATUSES).optional(),
          cursor: z.coerce.number().int().optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: {
          200: z.object({
            items: z.array(OutboxItem),
            counts: z.record(z.string(), z.number()),
            nextCursor: z.number().nullable(),
          }),
        },
      },
    },
    async (req) => {
      requirePermission(req, 'config.manage');
      const [rows, counts] = await Promise.all([
        repo.listOutbox(ctx.db, req.query),
        repo.outboxCounts(ctx.db),
      ]);
      const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
      return {
        items: rows.map((o) => ({
          id: o.id,
          channel: o.channel,
          recipient: o.channel === 'email' ? `${o.username} <${o.address}>` : o.username,
          title: o.payload.title,
          status: o.status,
          attempts: o.attempts,
          nextAttemptAt: o.status === 'queued' ? iso(o.next_attempt_at) : null,
          lastError: o.last_error,
          sentAt: iso(o.sent_at),
          createdAt: iso(o.created_at)!,
        })),
        counts,
        nextCursor: rows.length === req.query.limit ? rows[rows.length - 1].id : null,
      };
    },
  );
  r.post(
    '/api/notifications/outbox/:id/retry',
    { schema: { tags: ['通知'], summary: '重新发送失败的消息', params: Id, response: { 204: z.null() } } },
    async (req, reply) => {
      const actor = requirePermission(req, 'config.manage');
      await service.retryFailed(ctx, actor, req.params.id);
      return reply.code(204).send(null);
    },
  );
}
