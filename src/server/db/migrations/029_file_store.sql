-- Files outside the database (issue 33, modules/files): a row of a file table keeps the SHA-256, size,
-- type and owner of its file; its bytes are either in the row (stored = false: the embedded default,
-- and every file written before this) or in the content-addressed store named by sha256
-- (stored = true, bytes null: TANFANG_FILES_DIR or TANFANG_S3_BUCKET). `tanfang files migrate` moves
-- them over. The store is written before the row's transaction commits, so a stored row always has
-- its file (an orphaned object is swept later, job files.sweep).
alter table visit_files alter column content drop not null;
alter table visit_files add column stored boolean not null default false;
alter table visit_files add constraint visit_files_stored_chk check (stored = (content is null));

alter table care_files alter column content drop not null;
alter table care_files add column stored boolean not null default false;
alter table care_files add constraint care_files_stored_chk check (stored = (content is null));

alter table oversight_reports alter column content drop not null;
alter table oversight_reports add column stored boolean not null default false;
alter table oversight_reports add constraint oversight_reports_stored_chk check (stored = (content is null));

-- Concern evidence had no hash: computed from the bytes once (a few files per concern at most).
alter table concern_files add column sha256 text;
update concern_files set sha256 = encode(sha256(data), 'hex');
alter table concern_files alter column sha256 set not null;
alter table concern_files alter column data drop not null;
alter table concern_files add column stored boolean not null default false;
alter table concern_files add constraint concern_files_stored_chk check (stored = (data is null));

-- A photo the phone sent ahead of its visit (PUT /api/visit-photos/:sha256): each photo is retried on
-- its own, then the visit names it by hash. Only its uploader may name it; swept after 7 days.
create table visit_uploads (
  id integer generated always as identity primary key,
  user_id integer not null references users(id),
  sha256 text not null,
  mime text not null check (mime in ('image/jpeg', 'image/png', 'image/webp')),
  size integer not null,
  content bytea,
  stored boolean not null default false,
  created_at timestamptz not null,
  constraint visit_uploads_stored_chk check (stored = (content is null))
);
create unique index visit_uploads_uq on visit_uploads (user_id, sha256);
create index visit_uploads_sha256_idx on visit_uploads (sha256);
create index visit_uploads_created_idx on visit_uploads (created_at);
