-- Dashboard figures kept current (modules/oversight/repo.ts, "Figure cells"). The heavy figure
-- families (persons, careNeed, tasks, visits) are counted per (period, family, village[, visitor]) by
-- the SAME predicates as the live query and stored here; a dashboard sums cells instead of scanning
-- millions of rows. A cell is recomputed when its village's data changed (metric_versions, bumped by
-- the statement triggers below) or when time alone may have changed it (valid_from / valid_until).

-- One counter per (village, family): every write that can change a figure of that family for that
-- village bumps it, in the writing transaction.
create table metric_versions (
  village_id integer not null,
  family text not null,
  version bigint not null default 1,
  primary key (village_id, family)
);

-- What a village's cells of one period and family were computed from: the version read BEFORE the
-- counting statement (so a write committed in between leaves the cell older than the counter, i.e.
-- stale), the figure list and options, and the instants between which time alone changes nothing.
create table metric_cell_state (
  period text not null,
  family text not null,
  village_id integer not null,
  version bigint not null,
  opts text not null,
  valid_from timestamptz,
  valid_until timestamptz,
  computed_at timestamptz not null,
  primary key (period, family, village_id)
);

-- Partial counts: counts = [base, counted] per figure of the family, in the order of FIGURES.
-- by_visitor = false: one row per (town, village) of the rows; true: per (town, village, visitor).
create table metric_cells (
  period text not null,
  family text not null,
  village_id integer not null,
  town_id integer not null,
  visitor_id integer,
  by_visitor boolean not null,
  counts bigint[] not null
);
create index metric_cells_idx on metric_cells (period, family, by_visitor, village_id);

-- Triggers: one statement trigger per table and event, reading the transition tables, so a bulk
-- insert bumps each touched village once. One ordered upsert per statement (old and new village of a
-- moved person together): two writers take the counter rows in the same order, so they cannot
-- deadlock on them. Rows carry the area at the time (tasks, visits); the persons family counts visits
-- by the person's CURRENT village, hence the joins.
-- (The statement text only: EXECUTE must run in the trigger function itself, where the transition
-- tables are visible.)
create function metric_bump_sql(keys_sql text) returns text language sql immutable as $$
  select 'insert into metric_versions (village_id, family) select village_id, family from ('
    || keys_sql || ') k group by village_id, family order by village_id, family '
    || 'on conflict (village_id, family) do update set version = metric_versions.version + 1'
$$;

create function metric_bump_persons() returns trigger language plpgsql as $$
declare
  src text := case tg_op when 'INSERT' then 'select village_id from new_rows'
    when 'DELETE' then 'select village_id from old_rows'
    else 'select village_id from new_rows union all select village_id from old_rows' end;
begin
  execute metric_bump_sql('select r.village_id, f.family from (' || src
    || ') r cross join (values (''persons''), (''careNeed'')) f(family)');
  return null;
end $$;

create function metric_bump_tasks() returns trigger language plpgsql as $$
declare
  src text := case tg_op when 'INSERT' then 'select village_id from new_rows'
    when 'DELETE' then 'select village_id from old_rows'
    else 'select village_id from new_rows union all select village_id from old_rows' end;
begin
  execute metric_bump_sql('select village_id, ''tasks'' as family from (' || src || ') r');
  return null;
end $$;

-- A visit counts in the visits family of its own village and in the coverage (persons family) of its
-- person's current village.
create function metric_bump_visits() returns trigger language plpgsql as $$
declare
  src text := case tg_op when 'INSERT' then 'select village_id, person_id from new_rows'
    when 'DELETE' then 'select village_id, person_id from old_rows'
    else 'select village_id, person_id from new_rows union all select village_id, person_id from old_rows' end;
begin
  execute metric_bump_sql('select r.village_id, ''visits'' as family from (' || src || ') r
    union all select p.village_id, ''persons'' from (' || src || ') r join persons p on p.id = r.person_id');
  return null;
end $$;

-- agreementCoverage (careNeed family) reads the care_agreements of the person.
create function metric_bump_agreements() returns trigger language plpgsql as $$
declare
  src text := case tg_op when 'INSERT' then 'select person_id from new_rows'
    when 'DELETE' then 'select person_id from old_rows'
    else 'select person_id from new_rows union all select person_id from old_rows' end;
begin
  execute metric_bump_sql('select p.village_id, ''careNeed'' as family from (' || src
    || ') r join persons p on p.id = r.person_id');
  return null;
end $$;

-- TRUNCATE has no transition table: forget every cell state (all are recomputed on the next read).
create function metric_forget_all() returns trigger language plpgsql as $$
begin
  delete from metric_cell_state;
  return null;
end $$;

create trigger persons_metric_ins after insert on persons referencing new table as new_rows
  for each statement execute function metric_bump_persons();
create trigger persons_metric_upd after update on persons referencing old table as old_rows new table as new_rows
  for each statement execute function metric_bump_persons();
create trigger persons_metric_del after delete on persons referencing old table as old_rows
  for each statement execute function metric_bump_persons();
create trigger persons_metric_trunc after truncate on persons
  for each statement execute function metric_forget_all();

create trigger visit_tasks_metric_ins after insert on visit_tasks referencing new table as new_rows
  for each statement execute function metric_bump_tasks();
create trigger visit_tasks_metric_upd after update on visit_tasks referencing old table as old_rows new table as new_rows
  for each statement execute function metric_bump_tasks();
create trigger visit_tasks_metric_del after delete on visit_tasks referencing old table as old_rows
  for each statement execute function metric_bump_tasks();
create trigger visit_tasks_metric_trunc after truncate on visit_tasks
  for each statement execute function metric_forget_all();

create trigger visits_metric_ins after insert on visits referencing new table as new_rows
  for each statement execute function metric_bump_visits();
create trigger visits_metric_upd after update on visits referencing old table as old_rows new table as new_rows
  for each statement execute function metric_bump_visits();
create trigger visits_metric_del after delete on visits referencing old table as old_rows
  for each statement execute function metric_bump_visits();
create trigger visits_metric_trunc after truncate on visits
  for each statement execute function metric_forget_all();

create trigger care_agreements_metric_ins after insert on care_agreements referencing new table as new_rows
  for each statement execute function metric_bump_agreements();
create trigger care_agreements_metric_upd after update on care_agreements referencing old table as old_rows new table as new_rows
  for each statement execute function metric_bump_agreements();
create trigger care_agreements_metric_del after delete on care_agreements referencing old table as old_rows
  for each statement execute function metric_bump_agreements();
create trigger care_agreements_metric_trunc after truncate on care_agreements
  for each statement execute function metric_forget_all();
