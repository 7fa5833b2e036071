-- The person file (一人一档), DOMAIN.md section 3. Identity numbers and phones are stored encrypted
-- (*_enc, AES-256-GCM), with a keyed hash for exact search (*_hash) and the mask shown in lists.
create table persons (
  id integer generated always as identity primary key,
  name text not null,
  id_number_enc text not null,
  id_number_hash text not null,
  id_number_masked text not null,
  birth_date date not null,
  sex text not null check (sex in ('male', 'female')),
  ethnicity text,
  phone_enc text,
  phone_hash text,
  phone_masked text,
  registered_address text,
  current_address text,
  town_id integer not null references areas(id),
  village_id integer not null references areas(id),
  latitude double precision,
  longitude double precision,
  status text not null default 'active' check (status in ('active', 'paused', 'ended')),
  status_reason text,
  status_since date,
  paused_until date,
  end_reason text check (end_reason in ('death', 'declared_missing', 'recovered_ability', 'income_not_qualified',
                                        'supporter_able', 'voluntary_exit', 'centralized_support')),
  support_start date not null,
  certificate_no text,
  self_care text not null check (self_care in ('capable', 'partial', 'none')),
  tier text not null check (tier in ('general', 'key')),
  flags text[] not null default '{}',
  flag_note text,
  benefit_card text not null default 'self' check (benefit_card in ('self', 'custodian', 'lost', 'none')),
  card_custodian text,
  card_custodian_reason text,
  visitor_id integer references users(id),
  note text,
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (village_id <> town_id)
);
-- One live file per ID number: ended files may repeat (a person can re-enter support).
create unique index persons_id_hash_live_uq on persons (id_number_hash) where status <> 'ended';
create index persons_id_hash_idx on persons (id_number_hash);
create index persons_phone_hash_idx on persons (phone_hash);
create index persons_town_idx on persons (town_id, status, id);
create index persons_village_idx on persons (village_id, status, id);
create index persons_visitor_idx on persons (visitor_id, status, id);
create index persons_name_idx on persons (name);

-- Status changes with their effective dates: the schedule engine reads these.
create table person_status_changes (
  id integer generated always as identity primary key,
  person_id integer not null references persons(id),
  status text not null check (status in ('active', 'paused', 'ended')),
  effective_on date not null,
  reason text,
  until date,
  actor_id integer references users(id),
  created_at timestamptz not null default now()
);
create index person_status_changes_idx on person_status_changes (person_id, effective_on);

-- Self-care assessments (认定办法 Art. 21–23); every one kept.
create table assessments (
  id integer generated always as identity primary key,
  person_id integer not null references persons(id),
  assessed_on date not null,
  indicators jsonb not null,
  level text not null check (level in ('capable', 'partial', 'none')),
  assessor_name text,
  assessor_id integer references users(id),
  note text,
  created_at timestamptz not null default now()
);
create index assessments_person_idx on assessments (person_id, assessed_on);

-- Responsible and backup visitors over time.
create table person_assignments (
  id integer generated always as identity primary key,
  person_id integer not null references persons(id),
  visitor_id integer not null references users(id),
  kind text not null check (kind in ('responsible', 'backup')),
  from_at timestamptz not null,
  to_at timestamptz,
  actor_id integer references users(id)
);
create unique index person_assignments_one_responsible on person_assignments (person_id) where kind = 'responsible' and to_at is null;
create index person_assignments_visitor_idx on person_assignments (visitor_id) where to_at is null;

-- The person's timeline: every module appends its events here.
create table person_events (
  id bigint generated always as identity primary key,
  person_id integer not null references persons(id),
  at timestamptz not null,
  kind text not null,
  title text not null,
  detail jsonb not null default '{}',
  actor_id integer references users(id),
  ref_entity text,
  ref_id text
);
create index person_events_person_idx on person_events (person_id, at desc);
