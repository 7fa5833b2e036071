-- Channels officials read (issue 30): 企业微信 and 钉钉 group robots, a generic HTTP SMS gateway.
alter table notification_outbox drop constraint notification_outbox_channel_check;
alter table notification_outbox add constraint notification_outbox_channel_check
  check (channel in ('email', 'webhook', 'wecom', 'dingtalk', 'sms'));
-- A group robot posts each event once to its group, whoever the recipients are.
create unique index notification_outbox_group_uq on notification_outbox (dedupe_key, channel)
  where channel in ('wecom', 'dingtalk');
-- The mobile number a user receives SMS on (set on their own notification settings).
alter table users add column notify_phone text;
