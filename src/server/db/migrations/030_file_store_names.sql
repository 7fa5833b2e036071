-- tanfang:no-transaction
-- The orphan sweeper asks, for a batch of object names, whether any row still names them: an index on
-- sha256 in each file table, built without blocking writes (a big visit_files keeps taking visits).
create index concurrently if not exists visit_files_sha256_idx on visit_files (sha256);
create index concurrently if not exists care_files_sha256_idx on care_files (sha256);
create index concurrently if not exists oversight_reports_sha256_idx on oversight_reports (sha256);
create index concurrently if not exists concern_files_sha256_idx on concern_files (sha256);
