-- The day's files a user uploaded with visits (photos, signatures), for the daily quota
-- (visits/service.ts): only visits that carry files are in this index, so the plain visit's insert
-- (the hot path) does not pay for it.
create index visits_files_recorder_idx on visits (recorded_by, recorded_at)
  where photo_count > 0 or has_signature;
