-- idle_claim.sql: claim_batch when nothing is runnable (every batch empty, paused, delayed, dead-only or leased):
-- deciding "nothing to do" (DESIGN.md invariant 7).
SELECT count(*) FROM pgqueue.claim_batch(worker_id => 'bench-idle-claimer');
