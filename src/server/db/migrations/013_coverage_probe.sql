-- Coverage (oversight figure "visited persons") probes each person's qualifying visits in a period:
-- an index-only lookup with this partial index (modules/oversight/repo.ts FIGURES.coverage).
create index visits_person_qualifying_idx on visits (person_id, at) where qualifying;
