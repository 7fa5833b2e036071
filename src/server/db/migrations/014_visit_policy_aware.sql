-- The answer behind the policyAwareness figure (checklist section M, item policyAware; read by
-- shared/checklist.ts policyAwareOf) kept as a column, so the dashboards count a period's visits from
-- the oversight index alone instead of reading every visit's checklist (1.5 kB a row: 1.8 GB a month
-- at 1,000,000 persons). Generated: it cannot disagree with the answers it comes from.
alter table visits add column policy_aware text generated always as (answers #>> '{M,policyAware,value}') stored;
drop index visits_oversight_idx;
create index visits_oversight_idx on visits (at)
  include (town_id, village_id, visitor_id, person_id, qualifying, method, policy_aware);
