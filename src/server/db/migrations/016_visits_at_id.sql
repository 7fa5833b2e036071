-- tanfang:no-transaction
-- The visit ledger pages through a period by (at, id). On an index of (at) alone PostgreSQL reads
-- every visit that shares the page's last time, then sorts: with many visits at one instant (paper
-- records entered with a date and a round hour) each page of 2,000 read and sorted thousands. On
-- (at, id) the row comparison is an index bound and a page reads exactly its rows.
-- Built concurrently (outside a transaction, see db/migrate.ts): on a province's visits table a plain
-- build locks it against writes for the whole build.
create index concurrently if not exists visits_at_id_idx on visits (at, id);
drop index concurrently if exists visits_at_idx;
