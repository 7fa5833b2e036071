-- A special round (专项探访) carries the section G checks it requires whatever the season (issue 30):
-- a cold-wave or blizzard round asks the 供暖期 items (取暖安全…), a rainstorm round the 汛期 items
-- (防汛安全、用电安全), even on a day outside those seasons. Values are the checklist's seasons
-- (shared/checklist.ts ROUND_CHECKS); which weather kind requires which is shared/signals.ts WEATHER_CHECKS.
-- Rounds opened before this migration keep none: a visit already queued on an offline phone for one of
-- them was filled without these items and must not be refused for a rule that came after it.
alter table visit_campaigns add column checks text[] not null default '{}';
alter table visit_campaigns add constraint visit_campaigns_checks_chk
  check (checks <@ array['heating', 'flood']::text[] and cardinality(checks) <= 2);

-- Department files a machine sends itself (POST /api/signals/file, issue 30): one row per account and
-- file content, holding the answer given, so the same file sent again stores nothing new and gets the
-- same answer. The rows' signals are the signals table's (their keys come from the file, as for an
-- officer's upload); this is the file's receipt.
create table signal_files (
  id bigint generated always as identity primary key,
  account_id integer not null references service_accounts(id),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  filename text,
  bytes integer not null check (bytes >= 0),
  received_at timestamptz not null,
  result jsonb not null,
  unique (account_id, sha256)
);
