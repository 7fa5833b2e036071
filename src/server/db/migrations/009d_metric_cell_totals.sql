-- Figure cells: a fast validity check. Asking every village's cell state whether it is current costs
-- (villages × families × periods) lookups on each read; instead each (period, family) keeps the sum of
-- its cells' versions, and the folds keep the sum of the counters per (family, month). Cell versions
-- never exceed the counters they were read from (both only grow), so the sums are equal exactly when
-- every cell is current; with the cell count, the common key and the common time bounds this answers
-- "all current" in one small query, and only a (period, family) that fails it is checked per village.
create table metric_version_totals (
  family text not null,
  month text not null,
  total bigint not null,
  primary key (family, month)
);
insert into metric_version_totals (family, month, total)
select family, month, sum(version) from metric_versions group by family, month;

create table metric_period_state (
  period text not null,
  family text not null,
  -- the key of every cell state, or null when they differ
  opts text,
  versions bigint not null,
  cells integer not null,
  valid_from timestamptz,
  valid_until timestamptz,
  primary key (period, family)
);
