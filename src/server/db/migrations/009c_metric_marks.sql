-- Figure cells (009, 009b) without a lock in the writer: the triggers no longer upsert the
-- per-village counters (whose row lock, held to commit, queued the visits of one village behind each
-- other); they append to metric_marks, which takes no lock another writer waits for. Readers fold the
-- marks into metric_versions (repo.ts foldMarks: delete the marks they see, add their count) before
-- checking which cells are stale. A mark becomes visible only when its writer commits, i.e. together
-- with the data it announces, so a cell can never be counted current while missing a committed write.
create table metric_marks (
  village_id integer not null,
  family text not null,
  month text not null
);

create or replace function metric_bump_sql(keys_sql text) returns text language sql immutable as $$
  select 'insert into metric_marks (village_id, family, month) select distinct village_id, family, month from ('
    || keys_sql || ') k'
$$;
