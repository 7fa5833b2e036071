import type { FastifyInstance } from 'fastify';
import * as api from '../../../shared/api/notifications.js';
import type { Ctx } from '../../context.js';
import { route } from '../../http/route.js';
import * as service from './service.js';

/** A robot's address without its key (`https://qyapi.weixin.qq.com/…`). */
const urlHint = (url: string) => {
  try {
    return url ? `${new URL(url).origin}/…` : '';
  } catch {
    return '';
  }
};

const presentChannels = (c: service.ChannelConfig): api.Channels => ({
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
  wecom: { enabled: c.wecom.enabled, urlHint: urlHint(c.wecom.url) },
  dingtalk: { enabled: c.dingtalk.enabled, urlHint: urlHint(c.dingtalk.url), hasSecret: !!c.dingtalk.secret },
  sms: { enabled: c.sms.enabled, url: c.sms.url, hasToken: !!c.sms.token, hasSecret: !!c.sms.secret },
  maxAttempts: c.maxAttempts,
  backoffSeconds: c.backoffSeconds,
});

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function notificationRoutes(app: FastifyInstance, ctx: Ctx) {
  route(app, api.listInbox, async ({ req, actor }) => {
    const { items, unread } = await service.listInbox(ctx, actor, {
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
  });
  route(app, api.getUnreadCount, async ({ actor }) => service.unreadCount(ctx, actor));
  route(app, api.markRead, async ({ req, actor }) => service.markRead(ctx, actor, req.params.id));
  route(app, api.markAllRead, async ({ actor }) => service.markAllRead(ctx, actor));
  route(app, api.getInboxSettings, async ({ actor }) => service.myAddresses(ctx, actor));
  route(app, api.putInboxSettings, async ({ req, actor }) => {
    const email = req.body.email || null;
    await service.setMyEmail(ctx, actor, email);
    if (req.body.phone !== undefined) await service.setMyPhone(ctx, actor, req.body.phone || null);
    return service.myAddresses(ctx, actor);
  });
  route(app, api.getChannels, async () => presentChannels(await service.loadChannels(ctx.db)));
  route(app, api.putChannels, async ({ req, actor }) =>
    presentChannels(await service.saveChannels(ctx, actor, req.body)),
  );
  route(app, api.listOutbox, async ({ req }) => {
    const { rows, counts } = await service.outbox(ctx, req.query);
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
        createdAt: new Date(o.created_at).toISOString(),
      })),
      counts,
      nextCursor: rows.length === req.query.limit ? rows[rows.length - 1].id : null,
    };
  });
  route(app, api.retryOutbox, async ({ req, actor }) => {
    await service.retryFailed(ctx, actor, req.params.id);
    return undefined;
  });
}
