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

-- Incidents (应急处置, DOMAIN.md 6): one per person, risk and visit.
create table incidents (
  id integer generated always as identity primary key,
  person_id integer not null references persons(id),
  town_id integer not null references areas(id),
  village_id integer not null references areas(id),
  type text not null check (type in ('wandering', 'infringement', 'serious_illness', 'severe_mental_illness', 'death', 'missing')),
  critical boolean not null default false,
  description text not null default '',
  source text not null check (source in ('visit', 'manual')),
  visit_id integer references visits(id),
  status text not null default 'open' check (status in ('open', 'closed')),
  departments text[] not null default '{}',
  outcome text,
  opened_at timestamptz not null,
  opened_by integer references users(id),
  closed_at timestamptz,
  closed_by integer references users(id),
  version integer not null default 1
);
create unique index incidents_visit_type_uq on incidents (visit_id, type) where visit_id is not null;
create index incidents_town_idx on incidents (town_id, status, id);
create index incidents_village_idx on incidents (village_id, status, id);
create index incidents_person_idx on incidents (person_id, id);
create index incidents_departments_idx on incidents using gin (departments);

-- Who must acknowledge an incident: 'town', 'bureau', or 'dept:<department>'; one row each.
create table incident_parties (
  incident_id integer not null references incidents(id),
  party text not null,
  due_at timestamptz not null,
  acknowledged_at timestamptz,
  acknowledged_by integer references users(id),
  escalated_at timestamptz,
  primary key (incident_id, party)
);
create index incident_parties_due_idx on incident_parties (due_at) where acknowledged_at is null and escalated_at is null;

-- The incident's timeline of actions (opened, notified, acknowledged, escalated, action, closed).
create table incident_actions (
  id bigint generated always as identity primary key,
  incident_id integer not null references incidents(id),
  at timestamptz not null,
  kind text not null,
  note text not null default '',
  actor_id integer references users(id),
  detail jsonb not null default '{}'
);
create index incident_actions_idx on incident_actions (incident_id, id);

-- Concerns and rectification (诉求 / 问题整改, DOMAIN.md 7).
create table concerns (
  id integer generated always as identity primary key,
  person_id integer not null references persons(id),
  town_id integer not null references areas(id),
  village_id integer not null references areas(id),
  category text not null,
  description text not null,
  source text not null check (source in ('visit', 'checklist', 'manual')),
  visit_id integer references visits(id),
  -- Which part of the visit it came from ('J.requests.0', 'D.house'): one concern per visit item.
  source_item text,
  owner text not null default 'town' check (owner in ('town', 'village')),
  handling text not null check (handling in ('immediate', 'time_limited')),
  deadline date,
  status text not null default 'open' check (status in ('open', 'in_progress', 'resolved', 'verified')),
  resolution text,
  resolved_at timestamptz,
  resolved_by integer references users(id),
  verified_at timestamptz,
  verified_by integer references users(id),
  escalated_at timestamptz,
  reopened_count integer not null default 0,
  created_at timestamptz not null,
  created_by integer references users(id),
  updated_at timestamptz not null,
  version integer not null default 1,
  check (handling = 'immediate' or deadline is not null)
);
create unique index concerns_visit_item_uq on concerns (visit_id, source_item) where visit_id is not null;
create index concerns_town_idx on concerns (town_id, status, id);
create index concerns_village_idx on concerns (village_id, status, id);
create index concerns_person_idx on concerns (person_id, id);
create index concerns_overdue_idx on concerns (deadline) where status in ('open', 'in_progress') and escalated_at is null;

-- Status changes, supervision comments and escalations on a concern.
create table concern_entries (
  id bigint generated always as identity primary key,
  concern_id integer not null references concerns(id),
  at timestamptz not null,
  kind text not null check (kind in ('created', 'status', 'comment', 'supervision', 'escalated', 'verified', 'reopened', 'file')),
  body text not null default '',
  actor_id integer references users(id),
  detail jsonb not null default '{}'
);
create index concern_entries_idx on concern_entries (concern_id, id);

-- Evidence (photos, files) attached on resolution.
create table concern_files (
  id integer generated always as identity primary key,
  concern_id integer not null references concerns(id),
  name text not null,
  mime text not null,
  size integer not null,
  data bytea not null,
  uploaded_at timestamptz not null,
  uploaded_by integer references users(id)
);
create index concern_files_idx on concern_files (concern_id);

-- Referrals (转介, DOMAIN.md 8).
create table referrals (
  id integer generated always as identity primary key,
  person_id integer not null references persons(id),
  town_id integer not null references areas(id),
  village_id integer not null references areas(id),
  target text not null check (target in ('special_medical', 'special_education', 'special_housing', 'special_employment',
                                         'temporary', 'centralized', 'medical_institution', 'welfare_institution')),
  department text check (department in ('health', 'medical_insurance', 'police', 'disabled_federation', 'housing', 'emergency')),
  institution text,
  reason text not null,
  source text not null check (source in ('visit', 'manual', 'incident')),
  visit_id integer references visits(id),
  source_item text,
  incident_id integer references incidents(id),
  status text not null default 'pending' check (status in ('draft', 'pending', 'accepted', 'rejected', 'completed', 'withdrawn')),
  response text,
  responded_at timestamptz,
  responded_by integer references users(id),
  completed_at timestamptz,
  created_at timestamptz not null,
  created_by integer references users(id),
  updated_at timestamptz not null,
  version integer not null default 1
);
create unique index referrals_visit_item_uq on referrals (visit_id, source_item) where visit_id is not null;
create index referrals_town_idx on referrals (town_id, status, id);
create index referrals_village_idx on referrals (village_id, status, id);
create index referrals_department_idx on referrals (department, status, id);
create index referrals_person_idx on referrals (person_id, id);

create table referral_entries (
  id bigint generated always as identity primary key,
  referral_id integer not null references referrals(id),
  at timestamptz not null,
  status text,
  note text not null default '',
  actor_id integer references users(id)
);
create index referral_entries_idx on referral_entries (referral_id, id);
