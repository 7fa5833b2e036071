-- Figure cells summed by town (modules/oversight/repo.ts, "Figure cells"). A district's dashboards
-- summed every village's cell: the 12-period trends of a 1,000,000-person district added ~150,000
-- village cells (~200 ms). The town sums are kept in the same transaction that recomputes the
-- villages' cells (repo.computeCells), so a slice made of whole towns (the district, a town; every
-- town, or grouped by town) sums ~40 rows a period instead.
-- counts: the element-wise sum of the town's village cells (by_visitor = false) of one period and
-- family, in the same order ([base, counted] per figure of the family).
create table metric_town_cells (
  period text not null,
  family text not null,
  town_id integer not null,
  counts bigint[] not null,
  primary key (period, family, town_id)
);

-- The village cells of one town, for recomputing its sum.
create index metric_cells_town_idx on metric_cells (period, family, town_id) where not by_visitor;

-- The cells computed before this migration, summed once.
insert into metric_town_cells (period, family, town_id, counts)
select period, family, town_id, array_agg(s order by i)
  from (select c.period, c.family, c.town_id, u.i, sum(u.v)::bigint as s
          from metric_cells c cross join lateral unnest(c.counts) with ordinality u(v, i)
         where not c.by_visitor
         group by c.period, c.family, c.town_id, u.i) x
 group by period, family, town_id;
