-- Areas: district > town > village. path holds the ids from the root, e.g. '/1/4/17/', so a
-- subtree is one indexed prefix match.
create table areas (
  id integer generated always as identity primary key,
  parent_id integer references areas(id),
  code text not null,
  name text not null,
  level text not null check (level in ('district', 'town', 'village')),
  path text not null default '',
  retired_at timestamptz,
  version integer not null default 1,
  created_at timestamptz not null default now()
);
create unique index areas_code_uq on areas (code);
create index areas_parent_idx on areas (parent_id);
create index areas_path_idx on areas (path text_pattern_ops);
create unique index areas_sibling_name_uq on areas (coalesce(parent_id, 0), name) where retired_at is null;

create table users (
  id integer generated always as identity primary key,
  username text not null,
  display_name text not null,
  password_hash text not null,
  phone_enc text,
  phone_hash text,
  visitor_type text check (visitor_type in ('cadre', 'coordinator', 'social_worker', 'volunteer')),
  organization text,
  disabled_at timestamptz,
  failed_logins integer not null default 0,
  locked_until timestamptz,
  password_changed_at timestamptz,
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index users_username_uq on users (lower(username));

create table user_roles (
  id integer generated always as identity primary key,
  user_id integer not null references users(id) on delete cascade,
  role text not null check (role in ('bureau_admin', 'bureau_supervisor', 'town_officer', 'village_officer', 'visitor', 'department_liaison')),
  area_id integer not null references areas(id),
  department text check (department in ('health', 'medical_insurance', 'police', 'disabled_federation', 'housing', 'emergency')),
  check ((role = 'department_liaison') = (department is not null))
);
create unique index user_roles_uq on user_roles (user_id, role, area_id, coalesce(department, ''));
create index user_roles_area_idx on user_roles (area_id, role);

-- Sessions: the token is never stored, only its SHA-256.
create table sessions (
  id text primary key,
  user_id integer not null references users(id) on delete cascade,
  csrf_token text not null,
  created_at timestamptz not null,
  last_seen_at timestamptz not null,
  expires_at timestamptz not null,
  revoked_at timestamptz,
  ip text,
  user_agent text
);
create index sessions_user_idx on sessions (user_id);

-- Append-only audit log, hash-chained: hash = sha256(prev_hash || canonical row).
create table audit_log (
  id bigint generated always as identity primary key,
  at timestamptz not null,
  actor_id integer,
  action text not null,
  entity text not null,
  entity_id text,
  area_id integer,
  detail jsonb not null default '{}',
  ip text,
  prev_hash text not null,
  hash text not null
);
create index audit_entity_idx on audit_log (entity, entity_id);
create index audit_actor_idx on audit_log (actor_id, at);

-- Key-value settings per area, inherited down the tree (null area = the whole system).
create table settings (
  area_id integer references areas(id),
  key text not null,
  value jsonb not null,
  updated_at timestamptz not null default now(),
  updated_by integer references users(id)
);
create unique index settings_uq on settings (coalesce(area_id, 0), key);

-- Named periodic jobs (jobs/runner.ts): when each last ran, so every process agrees on what is due.
create table job_runs (
  name text primary key,
  last_started_at timestamptz,
  last_finished_at timestamptz,
  last_result jsonb,
  last_error text
);
