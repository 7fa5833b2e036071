-- The checklist answers in their compact stored form (modules/visits/stored-answers.ts): an answer that
-- is only a value, {"value": "good"}, is kept as the value itself, "good"; an answer with a note stays
-- whole. The answers are most of a visit's row and stay under the 2 kB at which PostgreSQL would
-- compress them; this form makes the visits table about a third smaller.
--
-- policy_aware (014) reads either form. The column is dropped first (no rewrite), the rows compacted,
-- and the column added again, which rewrites the table once more and rebuilds its indexes without
-- the dead rows the update left. On a database that already holds visits this takes a while (~7,000
-- visits a second measured: ~20 s for a district's year, ~35 min for 14 million; docs/SCALING.md).
drop index visits_oversight_idx;
alter table visits drop column policy_aware;
update visits v
   set answers = (
     select coalesce(jsonb_object_agg(s.key,
              case when jsonb_typeof(s.value) = 'object' then (
                select coalesce(jsonb_object_agg(i.key,
                         case when jsonb_typeof(i.value) = 'object' and i.value ? 'value'
                                   and i.value - 'value' = '{}'::jsonb
                                   and jsonb_typeof(i.value -> 'value') <> 'object'
                              then i.value -> 'value' else i.value end), '{}'::jsonb)
                  from jsonb_each(s.value) i)
              else s.value end), '{}'::jsonb)
       from jsonb_each(v.answers) s)
 where v.answers <> '{}'::jsonb;
alter table visits add column policy_aware text generated always as (
  case jsonb_typeof(answers #> '{M,policyAware}')
    when 'object' then answers #>> '{M,policyAware,value}'
    else answers #>> '{M,policyAware}'
  end) stored;
create index visits_oversight_idx on visits (at)
  include (town_id, village_id, visitor_id, person_id, qualifying, method, policy_aware);
