import { z } from 'zod';
import { CHANNELS, ChannelConfigInput, OUTBOX_STATUSES } from '../notifications.js';
import { endpoint } from './contract.js';

const TAGS = ['通知'];

export const InboxItem = z.object({
  id: z.number(),
  kind: z.string(),
  title: z.string(),
  body: z.string(),
  ref: z.object({ entity: z.string(), id: z.string() }).nullable(),
  createdAt: z.string(),
  read: z.boolean(),
});
export type InboxItem = z.output<typeof InboxItem>;

const Unread = z.object({ unread: z.number() });
const NotificationParams = z.object({ id: z.coerce.number().int() });
const NotifyEmail = z.object({ email: z.string().nullable(), phone: z.string().nullable() });
/** The address to mail notifications to; empty: none. */
export const NotifyEmailInput = z.union([z.email('邮箱格式不正确'), z.literal('')]);

export const listInbox = endpoint({
  method: 'GET',
  path: '/api/inbox',
  operationId: 'listInbox',
  summary: '我的站内通知（含未读数）',
  tags: TAGS,
  query: z.object({
    unread: z.enum(['0', '1']).optional().describe('1：只看未读'),
    cursor: z.coerce.number().int().optional(),
    limit: z.coerce.number().int().min(1).max(100).default(30),
  }),
  responses: {
    200: z.object({ items: z.array(InboxItem), unread: z.number(), nextCursor: z.number().nullable() }),
  },
});

export const getUnreadCount = endpoint({
  method: 'GET',
  path: '/api/inbox/unread-count',
  operationId: 'getUnreadCount',
  summary: '未读通知数（页头角标）',
  tags: TAGS,
  responses: { 200: Unread },
});

export const markRead = endpoint({
  method: 'POST',
  path: '/api/inbox/:id/read',
  operationId: 'markNotificationRead',
  summary: '标为已读',
  tags: TAGS,
  params: NotificationParams,
  responses: { 200: Unread },
});

export const markAllRead = endpoint({
  method: 'POST',
  path: '/api/inbox/read-all',
  operationId: 'markAllNotificationsRead',
  summary: '全部标为已读',
  tags: TAGS,
  responses: { 200: Unread },
});

export const getInboxSettings = endpoint({
  method: 'GET',
  path: '/api/inbox/settings',
  operationId: 'getInboxSettings',
  summary: '我的通知接收设置',
  tags: TAGS,
  responses: { 200: NotifyEmail },
});

export const putInboxSettings = endpoint({
  method: 'PUT',
  path: '/api/inbox/settings',
  operationId: 'putInboxSettings',
  summary: '设置接收通知的邮箱与短信手机号（留空则不发邮件/短信；不传 phone 则不变）',
  tags: TAGS,
  body: z.object({
    email: NotifyEmailInput.nullable(),
    phone: z
      .union([z.string().regex(/^1\d{10}$/, '手机号应为 11 位数字，以 1 开头'), z.literal('')])
      .nullable()
      .optional(),
  }),
  responses: { 200: NotifyEmail },
  example: { email: 'zhangsan@example.org' },
});

/** The channel configuration as shown: secrets are write-only (only whether one is stored). */
export const Channels = z.object({
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
  /** The robots' addresses carry their keys: only the host is shown. */
  wecom: z.object({ enabled: z.boolean(), urlHint: z.string() }),
  dingtalk: z.object({ enabled: z.boolean(), urlHint: z.string(), hasSecret: z.boolean() }),
  sms: z.object({ enabled: z.boolean(), url: z.string(), hasToken: z.boolean(), hasSecret: z.boolean() }),
  maxAttempts: z.number(),
  backoffSeconds: z.number(),
});
export type Channels = z.output<typeof Channels>;

export const getChannels = endpoint({
  method: 'GET',
  path: '/api/notifications/channels',
  operationId: 'getNotificationChannels',
  summary: '外发渠道配置',
  tags: TAGS,
  permission: 'config.manage',
  responses: { 200: Channels },
});

export { ChannelConfigInput };

export const putChannels = endpoint({
  method: 'PUT',
  path: '/api/notifications/channels',
  operationId: 'putNotificationChannels',
  summary: '保存外发渠道配置（密码、密钥留空则保留原值）',
  tags: TAGS,
  permission: 'config.manage',
  body: ChannelConfigInput,
  responses: { 200: Channels },
  example: {
    email: {
      enabled: true,
      host: 'smtp.example.org',
      port: 465,
      secure: true,
      from: '探访系统 <notify@example.org>',
      user: 'notify@example.org',
    },
    webhook: { enabled: false, url: '' },
    maxAttempts: 5,
    backoffSeconds: 60,
  },
});

export const OutboxItem = z.object({
  id: z.number(),
  channel: z.enum(CHANNELS),
  recipient: z.string(),
  title: z.string(),
  status: z.enum(OUTBOX_STATUSES),
  attempts: z.number(),
  nextAttemptAt: z.string().nullable(),
  lastError: z.string().nullable(),
  sentAt: z.string().nullable(),
  createdAt: z.string(),
});
export type OutboxItem = z.output<typeof OutboxItem>;

export const listOutbox = endpoint({
  method: 'GET',
  path: '/api/notifications/outbox',
  operationId: 'listNotificationOutbox',
  summary: '外发队列（发送状态）',
  tags: TAGS,
  permission: 'config.manage',
  query: z.object({
    status: z.enum(OUTBOX_STATUSES).optional(),
    cursor: z.coerce.number().int().optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  }),
  responses: {
    200: z.object({
      items: z.array(OutboxItem),
      counts: z.record(z.string(), z.number()),
      nextCursor: z.number().nullable(),
    }),
  },
});

export const retryOutbox = endpoint({
  method: 'POST',
  path: '/api/notifications/outbox/:id/retry',
  operationId: 'retryNotification',
  summary: '重新发送失败的消息',
  tags: TAGS,
  permission: 'config.manage',
  params: NotificationParams,
});
