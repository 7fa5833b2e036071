-- Visit schedule and visit records (DOMAIN.md sections 4–5).

-- Special rounds (寒潮, 暴雪, 暴雨, 节日…): extra tasks for a selection of persons in an area.
create table visit_campaigns (
  id integer generated always as identity primary key,
  name text not null,
  kind text not null check (kind in ('cold_wave', 'blizzard', 'rainstorm', 'heat', 'festival', 'other')),
  area_id integer not null references areas(id),
  selection jsonb not null default '{}',
  opens_at timestamptz not null,
  deadline date not null,
  note text,
  task_count integer not null default 0,
  created_by integer references users(id),
  created_at timestamptz not null default now()
);
create index visit_campaigns_area_idx on visit_campaigns (area_id, created_at desc);

-- One obligation "visit person P within window W". `period` is the period key for regular tasks
-- ('2026-03', '2026-03-1'), 'c<campaign id>' for campaign tasks and 'f:<source>:<id>' for follow-ups,
-- so one unique constraint makes generation idempotent for every kind, even from two processes.
-- town_id / village_id / visitor_id are copied from the person so work lists page on one index.
create table visit_tasks (
  id bigint generated always as identity primary key,
  person_id integer not null references persons(id),
  kind text not null check (kind in ('regular', 'follow_up', 'campaign')),
  period text not null,
  tier text check (tier in ('general', 'key')),
  window_start timestamptz not null,
  window_end timestamptz not null,
  due_date date not null,
  visitor_id integer references users(id),
  town_id integer not null references areas(id),
  village_id integer not null references areas(id),
  status text not null default 'open' check (status in ('open', 'done', 'missed', 'cancelled')),
  status_at timestamptz,
  status_reason text,
  visit_id bigint,
  campaign_id integer references visit_campaigns(id),
  reason text,
  source_entity text,
  source_id text,
  reminded_at timestamptz,
  created_at timestamptz not null default now(),
  check (window_end > window_start)
);
create unique index visit_tasks_person_period_uq on visit_tasks (person_id, period, kind);
create index visit_tasks_visitor_idx on visit_tasks (visitor_id, due_date, id);
create index visit_tasks_visitor_status_idx on visit_tasks (visitor_id, status, due_date, id);
create index visit_tasks_town_idx on visit_tasks (town_id, due_date, id);
create index visit_tasks_town_status_idx on visit_tasks (town_id, status, due_date, id);
create index visit_tasks_village_idx on visit_tasks (village_id, due_date, id);
create index visit_tasks_due_idx on visit_tasks (due_date, id);
create index visit_tasks_open_end_idx on visit_tasks (window_end) where status = 'open';
create index visit_tasks_person_idx on visit_tasks (person_id, window_end);
create index visit_tasks_campaign_idx on visit_tasks (campaign_id) where campaign_id is not null;

-- What happened at one contact. client_id makes a phone's retry store nothing twice.
create table visits (
  id bigint generated always as identity primary key,
  client_id uuid not null,
  person_id integer not null references persons(id),
  visitor_id integer not null references users(id),
  town_id integer not null references areas(id),
  village_id integer not null references areas(id),
  at timestamptz not null,
  method text not null check (method in ('in_person', 'phone', 'video')),
  outcome text not null check (outcome in ('reached', 'not_home', 'no_answer', 'number_invalid', 'suspended', 'wrong_number', 'no_phone')),
  qualifying boolean not null,
  duration_minutes integer,
  notes text,
  checklist_version integer not null,
  answers jsonb not null default '{}',
  seasons text[] not null default '{}',
  -- Location is sensitive: only stored with the person's consent, at visit time.
  location_consent boolean not null default false,
  latitude double precision,
  longitude double precision,
  photo_count integer not null default 0,
  has_signature boolean not null default false,
  recorded_by integer not null references users(id),
  recorded_at timestamptz not null,
  check (location_consent or (latitude is null and longitude is null))
);
create unique index visits_client_id_uq on visits (client_id);
create index visits_person_idx on visits (person_id, at desc, id desc);
create index visits_visitor_idx on visits (visitor_id, at desc);
create index visits_town_at_idx on visits (town_id, at);
create index visits_village_at_idx on visits (village_id, at);
create index visits_at_idx on visits (at);

-- Photos and the signature image, in the database (one backup holds everything).
create table visit_files (
  id bigint generated always as identity primary key,
  visit_id bigint not null references visits(id),
  kind text not null check (kind in ('photo', 'signature')),
  seq integer not null,
  mime text not null check (mime in ('image/jpeg', 'image/png', 'image/webp')),
  size integer not null,
  sha256 text not null,
  content bytea not null
);
create unique index visit_files_uq on visit_files (visit_id, kind, seq);
