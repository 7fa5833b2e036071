-- What a long upload leaves for the client to pick up, kept in the database so that any server
-- process behind a load balancer can answer: the progress of an import, and result files (the
-- rows an import rejected). Both are short-lived and swept after a day.
create table transfer_progress (
  id uuid primary key,
  owner_id integer not null references users(id),
  rows integer not null default 0,
  done boolean not null default false,
  updated_at timestamptz not null
);
create index transfer_progress_updated_idx on transfer_progress (updated_at);

create table transfer_files (
  token uuid primary key,
  owner_id integer not null references users(id),
  name text not null,
  content_type text not null,
  bytes bytea not null,
  created_at timestamptz not null
);
create index transfer_files_created_idx on transfer_files (created_at);
