-- The case layer (modules/cases): deadline changes that need the bureau's approval (issue 25). A case
-- past its deadline or escalated keeps its deadline and its escalation until the bureau approves a
-- request with a reason; the request and the decision stay here, old and new deadline, who and why.
create table case_deadline_changes (
  id integer generated always as identity primary key,
  case_kind text not null check (case_kind in ('concern', 'incident', 'referral')),
  case_id integer not null,
  old_deadline date,
  new_deadline date not null,
  reason text not null check (reason <> ''),
  status text not null default 'pending' check (status in ('pending', 'approved', 'refused')),
  requested_by integer not null references users(id),
  requested_at timestamptz not null,
  decided_by integer references users(id),
  decided_at timestamptz,
  decision_note text
);
-- One request waits at a time per case.
create unique index case_deadline_changes_pending_uq on case_deadline_changes (case_kind, case_id)
  where status = 'pending';
create index case_deadline_changes_case_idx on case_deadline_changes (case_kind, case_id, id);

-- A concern's timeline names deadline changes as such (an empty 留言 recorded them before).
alter table concern_entries drop constraint concern_entries_kind_check;
alter table concern_entries add constraint concern_entries_kind_check check (kind in (
  'created', 'status', 'comment', 'supervision', 'escalated', 'verified', 'reopened', 'file',
  'deadline', 'deadline_requested', 'deadline_approved', 'deadline_refused'));
