-- Oversight (DOMAIN.md sections 10–11): monthly reports are generated on demand and kept, so the
-- bureau can list and download again exactly what was sent. The figures themselves are computed by
-- grouped queries over the indexed tables of the other modules (modules/oversight/repo.ts).
create table oversight_reports (
  id integer generated always as identity primary key,
  kind text not null default 'monthly' check (kind in ('monthly')),
  period text not null,
  area_id integer not null references areas(id),
  filename text not null,
  size integer not null,
  sha256 text not null,
  content bytea not null,
  created_by integer references users(id),
  created_at timestamptz not null
);
create index oversight_reports_area_idx on oversight_reports (area_id, period, id desc);
create index oversight_reports_created_idx on oversight_reports (created_at desc, id desc);


-- The figure queries scan one period of visits and tasks: covering indexes let them read the index
-- alone (slice columns and the counted flags included), not the wide rows with their answers.
create index visits_oversight_idx on visits (at) include (town_id, village_id, visitor_id, person_id, qualifying, method);
create index visit_tasks_oversight_idx on visit_tasks (due_date) include (town_id, village_id, visitor_id, status, window_end);
