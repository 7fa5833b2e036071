-- Social organisations, mutual-aid activities and outreach (DOMAIN.md §14, policy 六（五）).

-- Public-benefit social organisations and volunteers, registered by an area (the district for the
-- bureau's own, a town or a village): the scope of area roles.
create table outreach_organisations (
  id integer generated always as identity primary key,
  area_id integer not null references areas(id),
  kind text not null check (kind in ('organisation', 'volunteer')),
  name text not null,
  -- 统一社会信用代码 (GB 32100-2015), checked by shared/credit-code.ts; volunteers have none.
  credit_code text check (credit_code ~ '^[0-9A-HJ-NP-RTUW-Y]{18}$'),
  contact_name text,
  contact_phone text,
  services text[] not null default '{}',
  active boolean not null default true,
  note text,
  version integer not null default 1,
  created_by integer references users(id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index outreach_organisations_code_uq on outreach_organisations (credit_code)
  where credit_code is not null;
create index outreach_organisations_area_idx on outreach_organisations (area_id, id);

-- An activity (互助关爱, 政策宣传, 节日慰问, 健康义诊, 其他), held by an area (its scope) and organised by
-- an organisation or by the office itself.
create table outreach_activities (
  id integer generated always as identity primary key,
  area_id integer not null references areas(id),
  -- The town of area_id (null when the district itself held it): the per-town figures' key.
  town_id integer references areas(id),
  type text not null check (type in ('mutual_aid', 'policy', 'festival', 'health', 'other')),
  held_on date not null,
  place text not null,
  organisation_id integer references outreach_organisations(id),
  organiser_name text not null,
  services text[] not null default '{}',
  summary text,
  -- The rule the participants were chosen by, when chosen by one (resolved at save time).
  reach_rule jsonb,
  participant_count integer not null default 0,
  client_id text unique,
  version integer not null default 1,
  created_by integer references users(id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index outreach_activities_area_idx on outreach_activities (held_on, area_id);
create index outreach_activities_town_idx on outreach_activities (town_id, held_on);
create index outreach_activities_org_idx on outreach_activities (organisation_id);

-- The persons an activity reached; town and village copied at save time (the area at the time, as
-- tasks and visits keep theirs), held_on copied so the figures read one index.
create table outreach_participants (
  activity_id integer not null references outreach_activities(id) on delete cascade,
  person_id integer not null references persons(id),
  town_id integer not null references areas(id),
  village_id integer not null references areas(id),
  held_on date not null,
  primary key (activity_id, person_id)
);
create index outreach_participants_town_idx on outreach_participants (town_id, held_on, person_id);
create index outreach_participants_village_idx on outreach_participants (village_id, held_on, person_id);
create index outreach_participants_person_idx on outreach_participants (person_id, held_on);

-- 孝老爱亲 recognition of a caregiver (shown with the caregiver's reviews).
create table caregiver_recognitions (
  id integer generated always as identity primary key,
  caregiver_id integer not null references caregivers(id),
  area_id integer not null references areas(id),
  title text not null,
  awarded_on date not null,
  awarded_by text not null,
  note text,
  created_by integer references users(id),
  created_at timestamptz not null default now()
);
create index caregiver_recognitions_caregiver_idx on caregiver_recognitions (caregiver_id, awarded_on);

-- Photos of an activity, with the same columns as visit_files (mime, size, sha256, content), so the file
-- store that moves visit photos out of the database can move these too.
create table activity_files (
  id bigint generated always as identity primary key,
  activity_id integer not null references outreach_activities(id) on delete cascade,
  kind text not null default 'photo' check (kind in ('photo')),
  seq integer not null,
  mime text not null check (mime in ('image/jpeg', 'image/png', 'image/webp')),
  size integer not null,
  sha256 text not null,
  content bytea not null,
  created_by integer references users(id),
  created_at timestamptz not null default now()
);
create unique index activity_files_uq on activity_files (activity_id, kind, seq);
