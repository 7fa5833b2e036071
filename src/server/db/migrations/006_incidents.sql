-- Notifications (inbox + durable outbound queue), incidents, concerns and referrals (DOMAIN.md 6–8).

-- Optional e-mail address a user receives notifications at (set by the user in the inbox page).
alter table users add column if not exists notify_email text;

-- In-app inbox: one row per recipient and event. dedupe_key names the event, so notify() called
-- twice for the same event (a retried job, a second process) adds nothing.
create table notifications (
  id bigint generated always as identity primary key,
  user_id integer not null references users(id),
  kind text not null,
  title text not null,
  body text not null default '',
  ref_entity text,
  ref_id text,
  dedupe_key text not null,
  created_at timestamptz not null,
  read_at timestamptz
);
create unique index notifications_dedupe_uq on notifications (dedupe_key, user_id);
create index notifications_user_idx on notifications (user_id, id desc);
create index notifications_unread_idx on notifications (user_id) where read_at is null;

-- Outbound queue: one row per recipient and channel, written in the caller's transaction.
-- 'sending' rows carry a lease: a process that dies mid-send leaves them to be claimed again
-- after lease_until; rows are claimed with FOR UPDATE SKIP LOCKED so two processes never share one.
create table notification_outbox (
  id bigint generated always as identity primary key,
  notification_id bigint references notifications(id),
  user_id integer not null references users(id),
  channel text not null check (channel in ('email', 'webhook')),
  dedupe_key text not null,
  address text,
  payload jsonb not null,
  status text not null default 'queued' check (status in ('queued', 'sending', 'sent', 'failed')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null,
  lease_until timestamptz,
  last_error text,
  sent_at timestamptz,
  created_at timestamptz not null
);
create unique index notification_outbox_uq on notification_outbox (dedupe_key, user_id, channel);
create index notification_outbox_due_idx on notification_outbox (next_attempt_at, id) where status in ('queued', 'sending');
create index notification_outbox_status_idx on notification_outbox (status, id desc);
