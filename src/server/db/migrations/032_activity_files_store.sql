-- Activity photos (028, issue 32) join the file store of 029 (issue 33): the two were built side by side,
-- so the photos of outreach activities were the one file table whose bytes could not leave the
-- database. Same shape as visit_files: bytes in the row (stored = false) or in the store named by
-- sha256 (stored = true, content null); `tanfang files migrate` and the sweeper read FILE_TABLES.
alter table activity_files alter column content drop not null;
alter table activity_files add column stored boolean not null default false;
alter table activity_files add constraint activity_files_stored_chk check (stored = (content is null));
create index activity_files_sha256_idx on activity_files (sha256);
