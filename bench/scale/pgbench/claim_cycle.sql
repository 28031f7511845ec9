-- claim_cycle.sql: claim_batch then release_batch (two round trips, two autocommit transactions). The claimed batch
-- goes back with its head due now, so the cycle walks round the runnable batches. Zero rows would abort the client:
-- the setup always leaves a runnable batch.
SELECT c.batch_id, c.lease_token FROM pgqueue.claim_batch(worker_id => 'bench-claimer') AS c \gset
SELECT pgqueue.release_batch(batch_id => :batch_id, lease_token => :lease_token);
