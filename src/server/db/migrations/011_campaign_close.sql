-- Campaigns can be edited (name, deadline, note) and closed (issue #4). Closing cancels the campaign's
-- open tasks with the reason; done and missed tasks stay as they were. `version` guards the edits.
alter table visit_campaigns add column version integer not null default 1;
alter table visit_campaigns add column updated_at timestamptz;
alter table visit_campaigns add column closed_at timestamptz;
alter table visit_campaigns add column closed_by integer references users(id);
alter table visit_campaigns add column close_reason text;
