-- tanfang:no-transaction
-- A person's open tasks (visits/repo.ts syncOpenTasks: a roster import or a person change keeps the
-- open tasks on the person's visitor and area, and cancels those of persons no longer active).
-- Found by the bench's roster import at 1,000,000 persons: for a batch of 500 persons the planner
-- weighed ~16 tasks a person through visit_tasks_person_idx against hashing all 1.6 million open
-- tasks, chose the hash, and each batch took ~400–1,000 ms (778 rows/s for the whole import; 2,697
-- in a run whose statistics tipped the other way). With one index entry per open task the probe is
-- the clear choice: 6.7 ms a batch.
-- Built concurrently (outside a transaction, see db/migrate.ts): visit_tasks keeps taking writes.
create index concurrently if not exists visit_tasks_open_person_idx on visit_tasks (person_id) where status = 'open';
