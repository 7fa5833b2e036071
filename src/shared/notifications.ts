import { z } from 'zod';

/** Outbound channels a notification can go out on besides the in-app inbox. */
export const CHANNELS = ['email', 'webhook', 'wecom', 'dingtalk', 'sms'] as const;
export type Channel = (typeof CHANNELS)[number];
export const CHANNEL_LABELS: Record<Channel, string> = {
  email: '电子邮件',
  webhook: 'Webhook',
  wecom: '企业微信群机器人',
  dingtalk: '钉钉群机器人',
  sms: '短信网关',
};
/** Channels that post to a group (once per event), not to each recipient. */
export const GROUP_CHANNELS: readonly Channel[] = ['wecom', 'dingtalk'];

export const OUTBOX_STATUSES = ['queued', 'sending', 'sent', 'failed'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];
export const OUTBOX_STATUS_LABELS: Record<OutboxStatus, string> = {
  queued: '排队中',
  sending: '发送中',
  sent: '已发送',
  failed: '发送失败',
};

/**
 * The channel configuration form (bureau_admin). Secrets (SMTP password, webhook secret) are
 * write-only: leave them empty to keep the stored value.
 */
export const ChannelConfigInput = z.object({
  email: z.object({
    enabled: z.boolean(),
    host: z.string().trim().max(200).default(''),
    port: z.number().int().min(1).max(65535).default(25),
    /** Implicit TLS (port 465); otherwise STARTTLS when the server offers it. */
    secure: z.boolean().default(false),
    from: z.string().trim().max(200).default(''),
    user: z.string().trim().max(200).default(''),
    password: z.string().max(200).optional(),
  }),
  webhook: z.object({
    enabled: z.boolean(),
    url: z.string().trim().max(500).default(''),
    secret: z.string().max(200).optional(),
  }),
  /** 企业微信 group robot: its webhook address (with `key=`; write-only, empty keeps the stored one). */
  wecom: z
    .object({ enabled: z.boolean(), url: z.string().trim().max(500).optional() })
    .default({ enabled: false }),
  /** 钉钉 group robot: its address (with `access_token=`) and the 加签 secret (`SEC…`), both write-only. */
  dingtalk: z
    .object({
      enabled: z.boolean(),
      url: z.string().trim().max(500).optional(),
      secret: z.string().max(200).optional(),
    })
    .default({ enabled: false }),
  /**
   * A generic HTTP SMS gateway a deployment puts in front of its provider: JSON POST
   * `{ id, to, text, kind }`, optional bearer token and the same signature headers as the webhook.
   */
  sms: z
    .object({
      enabled: z.boolean(),
      url: z.string().trim().max(500).default(''),
      token: z.string().max(500).optional(),
      secret: z.string().max(200).optional(),
    })
    .default({ enabled: false, url: '' }),
  /** Tries per message before it is marked failed. */
  maxAttempts: z.number().int().min(1).max(20).default(5),
  /** First retry delay in seconds; each further retry waits twice as long. */
  backoffSeconds: z.number().int().min(1).max(86400).default(60),
});
export type ChannelConfigInput = z.infer<typeof ChannelConfigInput>;

/** Notification kinds and their Chinese names: the one table is shared/labels.ts. */
export { NOTIFICATION_KIND_LABELS, notificationKindLabel } from './labels.js';

/** Retry delay after the n-th failed attempt (n ≥ 1): base · 2^(n−1) seconds. */
export function backoffMs(attempt: number, baseSeconds: number): number {
  return baseSeconds * 1000 * 2 ** Math.max(0, attempt - 1);
}
