-- The audit log as several independent hash chains (issue 9): one global lock serialised every
-- write in the system. A transaction's audit rows go to one chain, picked by a stable key of its
-- first row; each chain has its own tail row here, locked (FOR UPDATE) from the append until commit,
-- so writers of different chains no longer wait for each other. The tails also let
-- `tanfang audit verify` notice rows cut off the end of a chain.
alter table audit_log add column chain smallint not null default 0;
create index audit_chain_idx on audit_log (chain, id);

-- One row per (log table, chain): the last row's id and hash. `log` names the table (tests chain
-- private copies of audit_log). Rows appear on first use of a chain.
create table audit_chain_tails (
  log text not null,
  chain smallint not null,
  last_id bigint,
  hash text not null,
  primary key (log, chain)
);

-- The rows written so far form chain 0.
insert into audit_chain_tails (log, chain, last_id, hash)
select 'audit_log', 0, l.id, l.hash from audit_log l order by l.id desc limit 1;
