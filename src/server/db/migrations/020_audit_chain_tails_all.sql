-- Every chain of the audit log has its tail row from the start (AUDIT_CHAINS = 16 in
-- modules/audit/repo.ts; a test checks the two agree). A plain visit writes its audit row in the
-- visit's own statement, which needs its chain's tail to exist; before this, the first visit on each
-- chain went through a transaction to make it. A tail without rows (last_id null) starts at the
-- genesis hash and is not checked by verify until its chain has a row.
insert into audit_chain_tails (log, chain, hash)
select 'audit_log', g, repeat('0', 64) from generate_series(0, 15) g
on conflict do nothing;
