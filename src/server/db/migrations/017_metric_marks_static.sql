-- Figure cells (009–009d): the same marks, written by static SQL. The trigger functions of 009b built
-- their statement as text at every call and ran it with EXECUTE, so PostgreSQL parsed and planned it
-- for every written statement (about 0.5 ms of the ~3 ms a visit submission costs the database).
-- Here each table and operation has its own function with the statement written out: PL/pgSQL keeps
-- its plan for the session. What is marked is unchanged: a visit marks the visits family of its
-- village and the persons family of its person's current village, in the China-time month of the
-- visit; a task marks the tasks family in the month of its due date; persons, care agreements and
-- status changes mark every month ('*').

-- persons: persons and careNeed of the village, every month.
create function metric_mark_persons_ins() returns trigger language plpgsql as $$
begin
  insert into metric_marks (village_id, family, month)
  select distinct r.village_id, f.family, '*' from new_rows r
   cross join (values ('persons'), ('careNeed')) f(family);
  return null;
end $$;
create function metric_mark_persons_upd() returns trigger language plpgsql as $$
begin
  insert into metric_marks (village_id, family, month)
  select distinct r.village_id, f.family, '*'
    from (select village_id from new_rows union all select village_id from old_rows) r
   cross join (values ('persons'), ('careNeed')) f(family);
  return null;
end $$;
create function metric_mark_persons_del() returns trigger language plpgsql as $$
begin
  insert into metric_marks (village_id, family, month)
  select distinct r.village_id, f.family, '*' from old_rows r
   cross join (values ('persons'), ('careNeed')) f(family);
  return null;
end $$;

-- visit_tasks: the tasks family in the month of the due date.
create function metric_mark_tasks_ins() returns trigger language plpgsql as $$
begin
  insert into metric_marks (village_id, family, month)
  select distinct village_id, 'tasks', to_char(due_date, 'YYYY-MM') from new_rows;
  return null;
end $$;
create function metric_mark_tasks_upd() returns trigger language plpgsql as $$
begin
  insert into metric_marks (village_id, family, month)
  select distinct village_id, 'tasks', to_char(due_date, 'YYYY-MM')
    from (select village_id, due_date from new_rows union all select village_id, due_date from old_rows) r;
  return null;
end $$;
create function metric_mark_tasks_del() returns trigger language plpgsql as $$
begin
  insert into metric_marks (village_id, family, month)
  select distinct village_id, 'tasks', to_char(due_date, 'YYYY-MM') from old_rows;
  return null;
end $$;

-- visits: the visits family of the visit's village and the persons family of the person's village,
-- in the visit's China-time month.
create function metric_mark_visits_ins() returns trigger language plpgsql as $$
begin
  insert into metric_marks (village_id, family, month)
  select distinct k.village_id, k.family, k.month from (
    select r.village_id, 'visits' as family,
           to_char((r.at at time zone 'UTC') + interval '8 hours', 'YYYY-MM') as month
      from new_rows r
    union all
    select p.village_id, 'persons', to_char((r.at at time zone 'UTC') + interval '8 hours', 'YYYY-MM')
      from new_rows r join persons p on p.id = r.person_id) k;
  return null;
end $$;
create function metric_mark_visits_upd() returns trigger language plpgsql as $$
begin
  insert into metric_marks (village_id, family, month)
  select distinct k.village_id, k.family, k.month from (
    select r.village_id, 'visits' as family,
           to_char((r.at at time zone 'UTC') + interval '8 hours', 'YYYY-MM') as month
      from (select village_id, at from new_rows union all select village_id, at from old_rows) r
    union all
    select p.village_id, 'persons', to_char((r.at at time zone 'UTC') + interval '8 hours', 'YYYY-MM')
      from (select person_id, at from new_rows union all select person_id, at from old_rows) r
      join persons p on p.id = r.person_id) k;
  return null;
end $$;
create function metric_mark_visits_del() returns trigger language plpgsql as $$
begin
  insert into metric_marks (village_id, family, month)
  select distinct k.village_id, k.family, k.month from (
    select r.village_id, 'visits' as family,
           to_char((r.at at time zone 'UTC') + interval '8 hours', 'YYYY-MM') as month
      from old_rows r
    union all
    select p.village_id, 'persons', to_char((r.at at time zone 'UTC') + interval '8 hours', 'YYYY-MM')
      from old_rows r join persons p on p.id = r.person_id) k;
  return null;
end $$;

-- care_agreements: careNeed of the person's village, every month.
create function metric_mark_agreements_ins() returns trigger language plpgsql as $$
begin
  insert into metric_marks (village_id, family, month)
  select distinct p.village_id, 'careNeed', '*' from new_rows r join persons p on p.id = r.person_id;
  return null;
end $$;
create function metric_mark_agreements_upd() returns trigger language plpgsql as $$
begin
  insert into metric_marks (village_id, family, month)
  select distinct p.village_id, 'careNeed', '*'
    from (select person_id from new_rows union all select person_id from old_rows) r
    join persons p on p.id = r.person_id;
  return null;
end $$;
create function metric_mark_agreements_del() returns trigger language plpgsql as $$
begin
  insert into metric_marks (village_id, family, month)
  select distinct p.village_id, 'careNeed', '*' from old_rows r join persons p on p.id = r.person_id;
  return null;
end $$;

-- person_status_changes: persons of the person's village, every month.
create function metric_mark_status_changes_ins() returns trigger language plpgsql as $$
begin
  insert into metric_marks (village_id, family, month)
  select distinct p.village_id, 'persons', '*' from new_rows r join persons p on p.id = r.person_id;
  return null;
end $$;
create function metric_mark_status_changes_upd() returns trigger language plpgsql as $$
begin
  insert into metric_marks (village_id, family, month)
  select distinct p.village_id, 'persons', '*'
    from (select person_id from new_rows union all select person_id from old_rows) r
    join persons p on p.id = r.person_id;
  return null;
end $$;
create function metric_mark_status_changes_del() returns trigger language plpgsql as $$
begin
  insert into metric_marks (village_id, family, month)
  select distinct p.village_id, 'persons', '*' from old_rows r join persons p on p.id = r.person_id;
  return null;
end $$;

drop trigger persons_metric_ins on persons;
drop trigger persons_metric_upd on persons;
drop trigger persons_metric_del on persons;
create trigger persons_metric_ins after insert on persons referencing new table as new_rows
  for each statement execute function metric_mark_persons_ins();
create trigger persons_metric_upd after update on persons referencing old table as old_rows new table as new_rows
  for each statement execute function metric_mark_persons_upd();
create trigger persons_metric_del after delete on persons referencing old table as old_rows
  for each statement execute function metric_mark_persons_del();

drop trigger visit_tasks_metric_ins on visit_tasks;
drop trigger visit_tasks_metric_upd on visit_tasks;
drop trigger visit_tasks_metric_del on visit_tasks;
create trigger visit_tasks_metric_ins after insert on visit_tasks referencing new table as new_rows
  for each statement execute function metric_mark_tasks_ins();
create trigger visit_tasks_metric_upd after update on visit_tasks referencing old table as old_rows new table as new_rows
  for each statement execute function metric_mark_tasks_upd();
create trigger visit_tasks_metric_del after delete on visit_tasks referencing old table as old_rows
  for each statement execute function metric_mark_tasks_del();

drop trigger visits_metric_ins on visits;
drop trigger visits_metric_upd on visits;
drop trigger visits_metric_del on visits;
create trigger visits_metric_ins after insert on visits referencing new table as new_rows
  for each statement execute function metric_mark_visits_ins();
create trigger visits_metric_upd after update on visits referencing old table as old_rows new table as new_rows
  for each statement execute function metric_mark_visits_upd();
create trigger visits_metric_del after delete on visits referencing old table as old_rows
  for each statement execute function metric_mark_visits_del();

drop trigger care_agreements_metric_ins on care_agreements;
drop trigger care_agreements_metric_upd on care_agreements;
drop trigger care_agreements_metric_del on care_agreements;
create trigger care_agreements_metric_ins after insert on care_agreements referencing new table as new_rows
  for each statement execute function metric_mark_agreements_ins();
create trigger care_agreements_metric_upd after update on care_agreements referencing old table as old_rows new table as new_rows
  for each statement execute function metric_mark_agreements_upd();
create trigger care_agreements_metric_del after delete on care_agreements referencing old table as old_rows
  for each statement execute function metric_mark_agreements_del();

drop trigger person_status_changes_metric_ins on person_status_changes;
drop trigger person_status_changes_metric_upd on person_status_changes;
drop trigger person_status_changes_metric_del on person_status_changes;
create trigger person_status_changes_metric_ins after insert on person_status_changes referencing new table as new_rows
  for each statement execute function metric_mark_status_changes_ins();
create trigger person_status_changes_metric_upd after update on person_status_changes
  referencing old table as old_rows new table as new_rows for each statement execute function metric_mark_status_changes_upd();
create trigger person_status_changes_metric_del after delete on person_status_changes referencing old table as old_rows
  for each statement execute function metric_mark_status_changes_del();

drop function metric_bump_persons();
drop function metric_bump_tasks();
drop function metric_bump_visits();
drop function metric_bump_agreements();
drop function metric_bump_status_changes();
drop function metric_bump_sql(text);
