-- buffers.sql: shared buffers (hits + reads) over pgqueue's tables and indexes that ONE call reads, counted with
-- pg_stat_get_xact_blocks_fetched inside one transaction that is rolled back (as database/tests/pgtap/15 does):
-- a figure machine load cannot move. :measure is claim_cycle (claim_batch + release_batch), dequeue
-- (dequeue_task on :batch_id with :lease_token) or idle_claim (claim_batch finding nothing). Prints one number.
\set ON_ERROR_STOP on
BEGIN;
CREATE FUNCTION pg_temp.blocks() RETURNS bigint LANGUAGE sql AS $$
  SELECT sum(pg_stat_get_xact_blocks_fetched(c.oid))::bigint
    FROM pg_catalog.pg_class AS c
   WHERE c.relnamespace = 'pgqueue'::regnamespace AND c.relkind IN ('r', 'i', 't')
$$;
CREATE FUNCTION pg_temp.one_call(measure text, batch_id text, lease_token bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_claim record;
BEGIN
  IF measure = 'claim_cycle' THEN
    SELECT * INTO v_claim FROM pgqueue.claim_batch(worker_id => 'bench-buffers');
    PERFORM pgqueue.release_batch(batch_id => v_claim.batch_id, lease_token => v_claim.lease_token);
  ELSIF measure = 'dequeue' THEN
    PERFORM * FROM pgqueue.dequeue_task(batch_id => one_call.batch_id, lease_token => one_call.lease_token);
  ELSE
    PERFORM * FROM pgqueue.claim_batch(worker_id => 'bench-buffers');
  END IF;
END
$$;
-- Warm calls first: plans and catalog lookups are not the call's cost.
SELECT pg_temp.one_call(:'measure', :'batch_id', :lease_token) FROM generate_series(1, 2);
SELECT pg_temp.blocks() AS before \gset
SELECT pg_temp.one_call(:'measure', :'batch_id', :lease_token);
SELECT pg_temp.blocks() - :before AS buffers;
ROLLBACK;
