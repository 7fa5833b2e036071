-- Figure cells (009), finer invalidation: a visit or a task marks its village's cells of ITS month
-- only (a half month lies inside its month), so one write no longer makes every period of the village
-- stale. Changes to persons and care agreements still mark every month ('*'): activeIn and care need
-- are not tied to one period. A cell state's `version` is now v('*') + v(month of the period): both
-- counters only grow, so any bump changes the sum. (009b sorts after 009 and before 010, and is applied
-- as its own file on databases that already have 009.)
alter table metric_versions add column month text not null default '*';
alter table metric_versions drop constraint metric_versions_pkey;
alter table metric_versions add primary key (village_id, family, month);
delete from metric_cell_state;

create or replace function metric_bump_sql(keys_sql text) returns text language sql immutable as $$
  select 'insert into metric_versions (village_id, family, month) select village_id, family, month from ('
    || keys_sql || ') k group by village_id, family, month order by village_id, family, month '
    || 'on conflict (village_id, family, month) do update set version = metric_versions.version + 1'
$$;

create or replace function metric_bump_persons() returns trigger language plpgsql as $$
declare
  src text := case tg_op when 'INSERT' then 'select village_id from new_rows'
    when 'DELETE' then 'select village_id from old_rows'
    else 'select village_id from new_rows union all select village_id from old_rows' end;
begin
  execute metric_bump_sql('select r.village_id, f.family, ''*'' as month from (' || src
    || ') r cross join (values (''persons''), (''careNeed'')) f(family)');
  return null;
end $$;

-- A task belongs to the periods of its due date.
create or replace function metric_bump_tasks() returns trigger language plpgsql as $$
declare
  src text := case tg_op when 'INSERT' then 'select village_id, due_date from new_rows'
    when 'DELETE' then 'select village_id, due_date from old_rows'
    else 'select village_id, due_date from new_rows union all select village_id, due_date from old_rows' end;
begin
  execute metric_bump_sql('select village_id, ''tasks'' as family, to_char(due_date, ''YYYY-MM'') as month from ('
    || src || ') r');
  return null;
end $$;

-- A visit belongs to the periods of its China-time date, in the visits family of its own village and
-- the coverage (persons family) of its person's current village.
create or replace function metric_bump_visits() returns trigger language plpgsql as $$
declare
  src text := case tg_op when 'INSERT' then 'select village_id, person_id, at from new_rows'
    when 'DELETE' then 'select village_id, person_id, at from old_rows'
    else 'select village_id, person_id, at from new_rows union all select village_id, person_id, at from old_rows' end;
  china_month text := 'to_char((r.at at time zone ''UTC'') + interval ''8 hours'', ''YYYY-MM'')';
begin
  execute metric_bump_sql('select r.village_id, ''visits'' as family, ' || china_month || ' as month from ('
    || src || ') r union all select p.village_id, ''persons'', ' || china_month || ' from (' || src
    || ') r join persons p on p.id = r.person_id');
  return null;
end $$;

create or replace function metric_bump_agreements() returns trigger language plpgsql as $$
declare
  src text := case tg_op when 'INSERT' then 'select person_id from new_rows'
    when 'DELETE' then 'select person_id from old_rows'
    else 'select person_id from new_rows union all select person_id from old_rows' end;
begin
  execute metric_bump_sql('select p.village_id, ''careNeed'' as family, ''*'' as month from (' || src
    || ') r join persons p on p.id = r.person_id');
  return null;
end $$;

-- The persons family may read a person's status history (person_status_changes) as well as the
-- person row: a history row marks the person's village like a change of the person.
create function metric_bump_status_changes() returns trigger language plpgsql as $$
declare
  src text := case tg_op when 'INSERT' then 'select person_id from new_rows'
    when 'DELETE' then 'select person_id from old_rows'
    else 'select person_id from new_rows union all select person_id from old_rows' end;
begin
  execute metric_bump_sql('select p.village_id, ''persons'' as family, ''*'' as month from (' || src
    || ') r join persons p on p.id = r.person_id');
  return null;
end $$;

create trigger person_status_changes_metric_ins after insert on person_status_changes referencing new table as new_rows
  for each statement execute function metric_bump_status_changes();
create trigger person_status_changes_metric_upd after update on person_status_changes
  referencing old table as old_rows new table as new_rows for each statement execute function metric_bump_status_changes();
create trigger person_status_changes_metric_del after delete on person_status_changes referencing old table as old_rows
  for each statement execute function metric_bump_status_changes();
create trigger person_status_changes_metric_trunc after truncate on person_status_changes
  for each statement execute function metric_forget_all();
