import { createHmac } from 'node:crypto';
import nodemailer from 'nodemailer';
import { backoffMs, type ChannelConfigInput, notificationKindLabel } from '../../../shared/notifications.js';
import type { Department, Role } from '../../../shared/roles.js';
import type { Ctx } from '../../context.js';
import type { Queryable } from '../../db/db.js';
import { badRequest, notFound } from '../../http/errors.js';
import type { Actor } from '../../http/scope.js';
import { appendAudit } from '../audit/index.js';
import { putSetting, systemSetting } from '../settings/index.js';
import * as repo from './repo.js';

export const CHANNELS_SETTING = 'notify.channels';

/** The stored channel configuration (secrets included; never sent to the browser). */
export interface ChannelConfig {
  email: {
    enabled: boolean;
    host: string;
    port: number;
    secure: boolean;
    from: string;
    user: string;
    password: string;
  };
  webhook: { enabled: boolean; url: string; secret: string };
  wecom: { enabled: boolean; url: string };
  dingtalk: { enabled: boolean; url: string; secret: string };
  sms: { enabled: boolean; url: string; token: string; secret: string };
  maxAttempts: number;
  backoffSeconds: number;
}

export const DEFAULT_CHANNELS: ChannelConfig = {
  email: { enabled: false, host: '', port: 25, secure: false, from: '', user: '', password: '' },
  webhook: { enabled: false, url: '', secret: '' },
  wecom: { enabled: false, url: '' },
  dingtalk: { enabled: false, url: '', secret: '' },
  sms: { enabled: false, url: '', token: '', secret: '' },
  maxAttempts: 5,
  backoffSeconds: 60,
};

export async function loadChannels(q: Queryable): Promise<ChannelConfig> {
  const v = await systemSetting<Partial<ChannelConfig> | undefined>(q, CHANNELS_SETTING, undefined);
  return {
    ...DEFAULT_CHANNELS,
    ...v,
    email: { ...DEFAULT_CHANNELS.email, ...v?.email },
    webhook: { ...DEFAULT_CHANNELS.webhook, ...v?.webhook },
    wecom: { ...DEFAULT_CHANNELS.wecom, ...v?.wecom },
    dingtalk: { ...DEFAULT_CHANNELS.dingtalk, ...v?.dingtalk },
    sms: { ...DEFAULT_CHANNELS.sms, ...v?.sms },
  };
}

export interface RecipientSelector {
  role: Role;
  /** Users whose grant of `role` covers this area (the area itself or an ancestor). */
  areaId: number;
  department?: Department;
}
export type Recipients = number[] | RecipientSelector | (number | RecipientSelector)[];

export interface NotifyInput {
  recipients: Recipients;
  /** e.g. 'incident.opened'; see NOTIFICATION_KIND_LABELS. */
  kind: string;
  title: string;
  body?: string;
  ref?: { entity: string; id: string | number };
  /** Names the event: the same key never reaches the same recipient twice on any channel. */
  dedupeKey: string;
  now: Date;
  /**
   * false: a matter between the office and the recipients themselves (a visitor's rejected visit) —
   * only their own channels (inbox, e-mail, SMS) and the webhook, never posted to a group robot.
   */
  groups?: boolean;
}

/** Resolves user ids and role/area selectors to distinct, enabled user ids. */
export async function resolveRecipients(q: Queryable, r: Recipients): Promise<number[]> {
  const list = Array.isArray(r) ? r : [r];
  const ids = new Set<number>();
  for (const item of list) {
    if (typeof item === 'number') ids.add(item);
    else for (const id of await repo.usersCoveringArea(q, item)) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

/**
 * The one way any module tells people something. Call inside the transaction of the change: it
 * writes the in-app inbox row and one outbound queue row per configured channel for each recipient,
 * so either the change and its notifications both happen or neither. Idempotent per
 * (dedupeKey, recipient, channel). The delivery job sends the queue later.
 */
export async function notify(
  q: Queryable,
  n: NotifyInput,
): Promise<{ recipients: number[]; queued: number }> {
  const ids = await resolveRecipients(q, n.recipients);
  if (ids.length === 0) return { recipients: [], queued: 0 };
  const users = await repo.recipientsInfo(q, ids);
  const refEntity = n.ref?.entity ?? null;
  const refId = n.ref ? String(n.ref.id) : null;
  const inserted = await repo.insertInbox(q, {
    userIds: users.map((u) => u.id),
    kind: n.kind,
    title: n.title,
    body: n.body ?? '',
    refEntity,
    refId,
    dedupeKey: n.dedupeKey,
    now: n.now,
  });
  const inboxId = new Map(inserted.map((r) => [r.user_id, r.id]));
  const channels = await loadChannels(q);
  const rows: Parameters<typeof repo.enqueue>[1] = [];
  for (const u of users) {
    const payload: repo.OutboxPayload = {
      kind: n.kind,
      title: n.title,
      body: n.body ?? '',
      ref: refEntity && refId ? { entity: refEntity, id: refId } : null,
      recipient: { userId: u.id, username: u.username, displayName: u.display_name },
      at: n.now.toISOString(),
    };
    const base = { notificationId: inboxId.get(u.id) ?? null, userId: u.id, dedupeKey: n.dedupeKey, payload };
    if (channels.email.enabled && u.notify_email) {
      rows.push({ ...base, channel: 'email', address: u.notify_email });
    }
    if (channels.webhook.enabled && channels.webhook.url) {
      rows.push({ ...base, channel: 'webhook', address: channels.webhook.url });
    }
    if (channels.sms.enabled && channels.sms.url && u.notify_phone) {
      rows.push({ ...base, channel: 'sms', address: u.notify_phone });
    }
  }
  // A group robot posts the event once (the first recipient's row; a unique index on the event and
  // the channel keeps a later call with other recipients from posting it again).
  const first = n.groups === false ? undefined : users[0];
  if (first) {
    const base = rows.find((r) => r.userId === first.id) ?? {
      notificationId: inboxId.get(first.id) ?? null,
      userId: first.id,
      dedupeKey: n.dedupeKey,
      payload: {
        kind: n.kind,
        title: n.title,
        body: n.body ?? '',
        ref: refEntity && refId ? { entity: refEntity, id: refId } : null,
        recipient: { userId: first.id, username: first.username, displayName: first.display_name },
        at: n.now.toISOString(),
      },
    };
    const group = {
      notificationId: base.notificationId,
      userId: first.id,
      dedupeKey: n.dedupeKey,
      payload: base.payload,
    };
    if (channels.wecom.enabled && channels.wecom.url)
      rows.push({ ...group, channel: 'wecom', address: null });
    if (channels.dingtalk.enabled && channels.dingtalk.url)
      rows.push({ ...group, channel: 'dingtalk', address: null });
  }
  const queued = await repo.enqueue(q, rows, n.now);
  return { recipients: users.map((u) => u.id), queued };
}

/** HMAC-SHA256 over `${timestamp}.${body}`, hex; sent as `X-Tanfang-Signature: sha256=<hex>`. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

const LEASE_MS = 5 * 60000;

/**
 * The markdown both group robots show (企业微信 `markdown.content`, at most 4,096 bytes; 钉钉
 * `markdown.text`): the title as a heading, the text, the kind and time as a quote line.
 */
export function robotMarkdown(p: repo.OutboxPayload): string {
  const when = new Date(p.at).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
  const text = `### 【探访】${p.title}\n${p.body ? `${p.body}\n` : ''}> ${notificationKindLabel(p.kind)} · ${when}`;
  const buf = Buffer.from(text);
  return buf.length <= 4000
    ? text
    : `${buf
        .subarray(0, 3990)
        .toString('utf8')
        .replace(/\uFFFD+$/, '')}…`;
}

/**
 * 钉钉's 加签: `sign = urlencode(base64(HMAC_SHA256(secret, timestamp + "\n" + secret)))` with the
 * timestamp in milliseconds, both added to the robot's address as query parameters.
 */
export function dingtalkSignedUrl(url: string, secret: string, nowMs: number): string {
  if (!secret) return url;
  const sign = createHmac('sha256', secret).update(`${nowMs}\n${secret}`).digest('base64');
  const u = new URL(url);
  u.searchParams.set('timestamp', String(nowMs));
  u.searchParams.set('sign', sign);
  return u.toString();
}

/** POSTs JSON; a robot answers 200 with `{ errcode, errmsg }`, errcode 0 meaning delivered. */
async function postJson(url: string, body: unknown, headers: Record<string, string> = {}, robot = false) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10000),
  });
  const text = await res.text().catch(() => '');
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  if (robot) {
    let code: unknown;
    try {
      code = JSON.parse(text).errcode;
    } catch {
      code = undefined;
    }
    if (code !== 0) throw new Error(`机器人返回错误：${text.slice(0, 200)}`);
  }
}

async function send(row: repo.OutboxRow, cfg: ChannelConfig, now: Date): Promise<void> {
  const p = row.payload;
  if (row.channel === 'wecom') {
    if (!cfg.wecom.enabled || !cfg.wecom.url) throw new Error('企业微信渠道未启用');
    await postJson(cfg.wecom.url, { msgtype: 'markdown', markdown: { content: robotMarkdown(p) } }, {}, true);
    return;
  }
  if (row.channel === 'dingtalk') {
    if (!cfg.dingtalk.enabled || !cfg.dingtalk.url) throw new Error('钉钉渠道未启用');
    const url = dingtalkSignedUrl(cfg.dingtalk.url, cfg.dingtalk.secret, now.getTime());
    await postJson(
      url,
      { msgtype: 'markdown', markdown: { title: `【探访】${p.title}`.slice(0, 60), text: robotMarkdown(p) } },
      {},
      true,
    );
    return;
  }
  if (row.channel === 'sms') {
    if (!cfg.sms.enabled || !cfg.sms.url) throw new Error('短信渠道未启用');
    if (!row.address) throw new Error('收件人没有短信手机号');
    const body = {
      id: `${row.dedupe_key}:${row.user_id}`,
      to: row.address,
      text: `【探访】${p.title}${p.body ? `：${p.body}` : ''}`.slice(0, 300),
      kind: p.kind,
    };
    const raw = JSON.stringify(body);
    const ts = String(Math.floor(now.getTime() / 1000));
    const headers: Record<string, string> = { 'x-tanfang-timestamp': ts };
    if (cfg.sms.token) headers.authorization = `Bearer ${cfg.sms.token}`;
    if (cfg.sms.secret) headers['x-tanfang-signature'] = `sha256=${signWebhook(cfg.sms.secret, ts, raw)}`;
    await postJson(cfg.sms.url, body, headers);
    return;
  }
  if (row.channel === 'webhook') {
    if (!cfg.webhook.enabled || !cfg.webhook.url) throw new Error('Webhook 渠道未启用');
    const body = JSON.stringify({
      id: `${row.dedupe_key}:${row.user_id}`,
      deliveryId: row.id,
      kind: p.kind,
      title: p.title,
      body: p.body,
      ref: p.ref,
      recipient: p.recipient,
      at: p.at,
    });
    const ts = String(Math.floor(now.getTime() / 1000));
    const res = await fetch(cfg.webhook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'x-tanfang-event': p.kind,
        'x-tanfang-delivery': String(row.id),
        'x-tanfang-timestamp': ts,
        'x-tanfang-signature': `sha256=${signWebhook(cfg.webhook.secret, ts, body)}`,
      },
      body,
      signal: AbortSignal.timeout(10000),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new Error(`Webhook 返回 HTTP ${res.status}`);
    return;
  }
  if (!cfg.email.enabled || !cfg.email.host) throw new Error('邮件渠道未启用');
  if (!row.address) throw new Error('收件人没有邮箱地址');
  const transport = nodemailer.createTransport({
    host: cfg.email.host,
    port: cfg.email.port,
    secure: cfg.email.secure,
    auth: cfg.email.user ? { user: cfg.email.user, pass: cfg.email.password } : undefined,
    connectionTimeout: 10000,
    greetingTimeout: 10000,
    socketTimeout: 20000,
  });
  try {
    await transport.sendMail({
      from: cfg.email.from || 'tanfang@localhost',
      to: row.address,
      subject: `【探访】${p.title}`,
      text: `${p.recipient.displayName}：\n\n${p.body || p.title}\n\n（此邮件由探访系统自动发送，请登录系统处理。）`,
      // Same id on every retry, so a receiving server can drop a repeat.
      messageId: `<${row.id}.${row.user_id}@tanfang>`,
      headers: {
        'X-Tanfang-Event': p.kind,
        'X-Tanfang-Id': `${row.dedupe_key}:${row.user_id}`,
        'X-Tanfang-Delivery': String(row.id),
      },
    });
  } finally {
    transport.close();
  }
}

/**
 * Sends due queued rows: claims a batch (a lease of 5 minutes), sends each, records the result. A
 * failed try waits backoffSeconds·2^(attempt−1) before the next; after maxAttempts the row is
 * 'failed'. `maxRows` bounds one run (tests use it to stop a run part-way, as a crash would).
 */
export async function deliverDue(
  ctx: Pick<Ctx, 'db' | 'clock'>,
  opts: { batch?: number; maxRows?: number } = {},
): Promise<{ sent: number; retried: number; failed: number }> {
  const out = { sent: 0, retried: 0, failed: 0 };
  const cfg = await loadChannels(ctx.db);
  let budget = opts.maxRows ?? Number.POSITIVE_INFINITY;
  while (budget > 0) {
    const now = ctx.clock.now();
    const rows = await ctx.db.tx((q) =>
      repo.claimDue(q, now, new Date(now.getTime() + LEASE_MS), Math.min(opts.batch ?? 20, budget)),
    );
    if (rows.length === 0) break;
    budget -= rows.length;
    for (const row of rows) {
      try {
        await send(row, cfg, ctx.clock.now());
        await repo.markSent(ctx.db, row.id, ctx.clock.now());
        out.sent++;
      } catch (e) {
        const last = row.attempts >= cfg.maxAttempts;
        await repo.markAttemptFailed(ctx.db, row.id, {
          error: (e as Error).message || String(e),
          nextAttemptAt: last
            ? null
            : new Date(ctx.clock.now().getTime() + backoffMs(row.attempts, cfg.backoffSeconds)),
        });
        if (last) out.failed++;
        else out.retried++;
      }
    }
  }
  return out;
}

// ---- inbox and configuration use cases ----

export async function listInbox(
  ctx: Ctx,
  actor: Actor,
  o: { unreadOnly: boolean; cursor?: number; limit: number },
) {
  const [items, unread] = await Promise.all([
    repo.listInbox(ctx.db, actor.userId, o),
    repo.unreadCount(ctx.db, actor.userId),
  ]);
  return { items, unread };
}

export async function markRead(ctx: Ctx, actor: Actor, id: number) {
  const ok = await repo.markRead(ctx.db, actor.userId, id, ctx.clock.now());
  if (!ok) throw notFound('通知');
  return { unread: await repo.unreadCount(ctx.db, actor.userId) };
}

export async function markAllRead(ctx: Ctx, actor: Actor) {
  await repo.markAllRead(ctx.db, actor.userId, ctx.clock.now());
  return { unread: 0 };
}

export async function setMyEmail(ctx: Ctx, actor: Actor, email: string | null) {
  await ctx.db.tx(async (q) => {
    await repo.setNotifyEmail(q, actor.userId, email);
    await appendAudit(q, {
      at: ctx.clock.now(),
      actorId: actor.userId,
      action: 'user.notify_email',
      entity: 'user',
      entityId: actor.userId,
      detail: { set: !!email },
    });
  });
}

export async function saveChannels(ctx: Ctx, actor: Actor, input: ChannelConfigInput) {
  if (input.email.enabled && (!input.email.host || !input.email.from)) {
    throw badRequest(
      '启用邮件渠道需填写 SMTP 服务器和发件人',
      input.email.host ? 'email.from' : 'email.host',
    );
  }
  if (input.webhook.enabled) {
    let url: URL | undefined;
    try {
      url = new URL(input.webhook.url);
    } catch {
      url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol)) {
      throw badRequest('Webhook 地址应为 http:// 或 https:// 开头的网址', 'webhook.url');
    }
  }
  for (const [k, label] of [
    ['wecom', '企业微信机器人'],
    ['dingtalk', '钉钉机器人'],
    ['sms', '短信网关'],
  ] as const) {
    const url = input[k].url;
    if (url && !isHttpUrl(url))
      throw badRequest(`${label}地址应为 http:// 或 https:// 开头的网址`, `${k}.url`);
  }
  return ctx.db.tx(async (q) => {
    const old = await loadChannels(q);
    const next: ChannelConfig = {
      email: {
        enabled: input.email.enabled,
        host: input.email.host,
        port: input.email.port,
        secure: input.email.secure,
        from: input.email.from,
        user: input.email.user,
        password: input.email.password || old.email.password,
      },
      webhook: {
        enabled: input.webhook.enabled,
        url: input.webhook.url,
        secret: input.webhook.secret || old.webhook.secret,
      },
      wecom: { enabled: input.wecom.enabled, url: input.wecom.url || old.wecom.url },
      dingtalk: {
        enabled: input.dingtalk.enabled,
        url: input.dingtalk.url || old.dingtalk.url,
        secret: input.dingtalk.secret || old.dingtalk.secret,
      },
      sms: {
        enabled: input.sms.enabled,
        url: input.sms.url,
        token: input.sms.token || old.sms.token,
        secret: input.sms.secret || old.sms.secret,
      },
      maxAttempts: input.maxAttempts,
      backoffSeconds: input.backoffSeconds,
    };
    if (next.wecom.enabled && !next.wecom.url) throw badRequest('启用企业微信需填写机器人地址', 'wecom.url');
    if (next.dingtalk.enabled && !next.dingtalk.url)
      throw badRequest('启用钉钉需填写机器人地址', 'dingtalk.url');
    if (next.sms.enabled && !next.sms.url) throw badRequest('启用短信需填写网关地址', 'sms.url');
    if (next.webhook.enabled && !next.webhook.secret) {
      throw badRequest('启用 Webhook 需设置签名密钥', 'webhook.secret');
    }
    await putSetting(q, {
      areaId: null,
      key: CHANNELS_SETTING,
      value: next,
      by: actor.userId,
      now: ctx.clock.now(),
    });
    await appendAudit(q, {
      at: ctx.clock.now(),
      actorId: actor.userId,
      action: 'settings.notify_channels',
      entity: 'settings',
      entityId: CHANNELS_SETTING,
      detail: {
        email: next.email.enabled,
        webhook: next.webhook.enabled,
        wecom: next.wecom.enabled,
        dingtalk: next.dingtalk.enabled,
        sms: next.sms.enabled,
      },
    });
    return next;
  });
}

export async function retryFailed(ctx: Ctx, actor: Actor, id: number) {
  await ctx.db.tx(async (q) => {
    if (!(await repo.requeue(q, id, ctx.clock.now()))) throw notFound('发送失败的消息');
    await appendAudit(q, {
      at: ctx.clock.now(),
      actorId: actor.userId,
      action: 'notification.retry',
      entity: 'notification_outbox',
      entityId: id,
    });
  });
}

/** The page-header badge: how many of the actor's notifications are unread. */
export async function unreadCount(ctx: Ctx, actor: Actor) {
  return { unread: await repo.unreadCount(ctx.db, actor.userId) };
}

/** The address the actor's notifications are mailed to (null: none). */
export const myEmail = (ctx: Ctx, actor: Actor) => repo.getNotifyEmail(ctx.db, actor.userId);
export const myAddresses = (ctx: Ctx, actor: Actor) => repo.getNotifyAddresses(ctx.db, actor.userId);

export async function setMyPhone(ctx: Ctx, actor: Actor, phone: string | null) {
  await ctx.db.tx(async (q) => {
    await repo.setNotifyPhone(q, actor.userId, phone);
    await appendAudit(q, {
      at: ctx.clock.now(),
      actorId: actor.userId,
      action: 'user.notify_phone',
      entity: 'user',
      entityId: actor.userId,
      detail: { set: !!phone },
    });
  });
}

function isHttpUrl(s: string): boolean {
  try {
    return /^https?:$/.test(new URL(s).protocol);
  } catch {
    return false;
  }
}

/** A page of the outbox, newest first, with the count of messages in each status. */
export async function outbox(ctx: Ctx, o: { status?: string; cursor?: number; limit: number }) {
  const [rows, counts] = await Promise.all([repo.listOutbox(ctx.db, o), repo.outboxCounts(ctx.db)]);
  return { rows, counts };
}
