-- Signals from outside (issue 30, DOMAIN.md §13): machine clients and what they report.

-- A machine client: a token (shown once; only its SHA-256 kept) and a signing secret (shown once;
-- kept encrypted, the server needs it to check signatures), bound to an area and a narrow set of
-- permissions (shared/signals.ts SERVICE_PERMISSIONS), expiring and revocable. Never a user.
create table service_accounts (
  id integer generated always as identity primary key,
  name text not null,
  area_id integer not null references areas(id),
  permissions text[] not null,
  token_hash text not null unique,
  token_hint text not null,
  secret_enc text not null,
  expires_at timestamptz not null,
  revoked_at timestamptz,
  revoked_by integer references users(id),
  revoke_reason text,
  last_used_at timestamptz,
  created_by integer references users(id),
  created_at timestamptz not null
);
create index service_accounts_area_idx on service_accounts (area_id, id);

-- One signal. `key` is the sender's idempotency key: a resent signal is the same row and the same
-- answer. A signal that matches no active person is kept (status 'unmatched', `reason`) for review.
create table signals (
  id bigint generated always as identity primary key,
  account_id integer not null references service_accounts(id),
  key text not null,
  type text not null,
  subtype text,
  source text not null,
  occurred_at timestamptz not null,
  received_at timestamptz not null,
  id_hash text,
  id_masked text,
  person_id integer references persons(id),
  -- Where it belongs (scope): the person's village, the weather round's area, else the account's area.
  area_id integer not null references areas(id),
  area_ids integer[],
  warning_id text,
  description text not null default '',
  details jsonb not null default '{}',
  status text not null check (status in ('opened', 'merged', 'unmatched', 'recorded')),
  reason text,
  task_id bigint references visit_tasks(id),
  incident_id integer references incidents(id),
  campaign_id integer references visit_campaigns(id),
  merged_into bigint references signals(id),
  deadline_at timestamptz,
  reviewed_at timestamptz,
  reviewed_by integer references users(id),
  review_note text,
  version integer not null default 1
);
create unique index signals_account_key_uq on signals (account_id, key);
create index signals_person_type_idx on signals (person_id, type, received_at desc) where person_id is not null;
create index signals_area_idx on signals (area_id, id desc);
create index signals_review_idx on signals (area_id, id desc) where status = 'unmatched' and reviewed_at is null;
create index signals_task_idx on signals (task_id) where task_id is not null;
-- A weather warning opens one round, whoever sends it and however often.
create unique index signals_warning_uq on signals (type, warning_id) where campaign_id is not null and merged_into is null;
