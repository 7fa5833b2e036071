-- A person's home point can be removed (issue 29: the place rules then say "no reference" again and
-- the stored visits' place signals are computed again). The removed point stays in the history,
-- marked so: a history row is now either a point set (removed = false) or a point taken away.
alter table person_home_point_history add column removed boolean not null default false;
