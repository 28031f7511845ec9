-- Invariant 7, cheap when idle: a claim_batch that finds nothing reads the same few buffers with ~1,000 idle
-- batches as with ~100,000 (empty after completing their tasks, holding only dead tasks, paused with pending tasks,
-- heads delayed by run_after). Buffers are counted with pg_stat_get_xact_blocks_fetched over pgqueue's tables and
-- indexes around one call, inside this one transaction.
-- Through the functions a single transaction cannot create ~100,000 batches: every enqueue holds its batch's
-- advisory lock to commit, and the lock table holds a few thousand. So one batch of each kind is made through the
-- functions (plus 250 paused and 250 delayed ones), and the rest are copies of those rows.
\set VERBOSITY terse
BEGIN;
SELECT plan(11);

CREATE FUNCTION pg_temp.pgqueue_blocks_fetched() RETURNS bigint LANGUAGE sql AS $$
  SELECT sum(pg_stat_get_xact_blocks_fetched(c.oid))::bigint
    FROM pg_catalog.pg_class AS c
   WHERE c.relnamespace = 'pgqueue'::regnamespace AND c.relkind IN ('r', 'i', 't', 'm')
$$;

-- Buffers one idle claim_batch reads, and how many rows it returned. Warm calls first: a worker's pooled
-- connection has planned claim_batch's statements long before, so planning reads are not the claim's cost.
CREATE FUNCTION pg_temp.idle_claim(OUT buffers bigint, OUT claimed bigint) LANGUAGE plpgsql AS $$
DECLARE
  v_before bigint;
BEGIN
  FOR i IN 1..8 LOOP
    PERFORM * FROM pgqueue.claim_batch(worker_id => 'idle-warmup');
  END LOOP;
  v_before := pg_temp.pgqueue_blocks_fetched();
  SELECT count(*) INTO claimed FROM pgqueue.claim_batch(worker_id => 'idle-probe');
  buffers := pg_temp.pgqueue_blocks_fetched() - v_before;
END
$$;

-- Copies a batch made through the functions, with its lease (under a new token), pending and dead tasks, as
-- <batch>.<n> for each n.
CREATE FUNCTION pg_temp.copy_batch(template text, first_copy integer, last_copy integer) RETURNS void LANGUAGE sql AS $$
  INSERT INTO pgqueue.batches (batch_id, lease_token, lease_owner, lease_expires_at, paused, head_due_at, created_at,
                               priority)
  SELECT b.batch_id || '.' || g, CASE WHEN b.lease_token IS NOT NULL THEN nextval('pgqueue.lease_token_seq') END,
         b.lease_owner, b.lease_expires_at, b.paused, b.head_due_at, b.created_at, b.priority
    FROM pgqueue.batches AS b CROSS JOIN generate_series(first_copy, last_copy) AS g
   WHERE b.batch_id = template;
  INSERT INTO pgqueue.tasks (id, batch_id, task_type, payload, dedup_key, attempts, max_attempts, run_after, enqueued_at,
                             last_error, last_failed_at)
  SELECT nextval('pgqueue.task_id_seq'), t.batch_id || '.' || g, t.task_type, t.payload, t.dedup_key, t.attempts,
         t.max_attempts, t.run_after, t.enqueued_at, t.last_error, t.last_failed_at
    FROM pgqueue.tasks AS t CROSS JOIN generate_series(first_copy, last_copy) AS g
   WHERE t.batch_id = template;
  INSERT INTO pgqueue.dead_tasks (id, batch_id, task_type, payload, dedup_key, attempts, max_attempts, enqueued_at,
                                  failed_at, last_error)
  SELECT nextval('pgqueue.task_id_seq'), d.batch_id || '.' || g, d.task_type, d.payload, d.dedup_key, d.attempts,
         d.max_attempts, d.enqueued_at, d.failed_at, d.last_error
    FROM pgqueue.dead_tasks AS d CROSS JOIN generate_series(first_copy, last_copy) AS g
   WHERE d.batch_id = template;
$$;

SELECT is((SELECT count(*) FROM pgqueue.batches), 0::bigint, 'the test database starts with an empty queue');

-- Autovacuum must not vacuum these tables mid-test: it would record them as empty (this transaction's rows are
-- invisible to it) and the planner would then plan for empty tables. It skips tables it cannot lock.
LOCK TABLE pgqueue.batches, pgqueue.tasks, pgqueue.dead_tasks IN SHARE UPDATE EXCLUSIVE MODE;

-- Counts the idle batches by kind straight from the tables (batch_status is per-batch detail, not for 100,000).
CREATE FUNCTION pg_temp.idle_kinds() RETURNS TABLE (kind text, batches bigint) LANGUAGE sql AS $$
  SELECT k.kind, count(*)
    FROM pgqueue.batches AS b
   CROSS JOIN LATERAL (
     SELECT CASE
              WHEN b.paused THEN 'paused'
              WHEN b.lease_token IS NOT NULL THEN 'leased'
              WHEN b.head_due_at IS NULL AND EXISTS (SELECT 1 FROM pgqueue.dead_tasks AS d WHERE d.batch_id = b.batch_id)
                THEN 'empty, dead tasks only'
              WHEN b.head_due_at IS NULL THEN 'empty'
              WHEN b.head_due_at > clock_timestamp() THEN 'head delayed'
              ELSE 'claimable'
            END AS kind) AS k
   GROUP BY k.kind
   ORDER BY k.kind
$$;

-- One batch of each idle kind through the contract
DO $$
DECLARE
  v_token bigint;
  v_task bigint;
BEGIN
  PERFORM pgqueue.enqueue(batch_id => 'idle-empty');
  SELECT c.lease_token INTO v_token FROM pgqueue.claim_batch(worker_id => 'w', preferred_batch_id => 'idle-empty') AS c;
  SELECT d.task_id INTO v_task FROM pgqueue.dequeue_task('idle-empty', v_token) AS d;
  PERFORM pgqueue.complete_task(v_task, v_token);
  PERFORM pgqueue.release_batch('idle-empty', v_token);

  PERFORM pgqueue.enqueue(batch_id => 'idle-dead', max_attempts => 1);
  SELECT c.lease_token INTO v_token FROM pgqueue.claim_batch(worker_id => 'w', preferred_batch_id => 'idle-dead') AS c;
  SELECT d.task_id INTO v_task FROM pgqueue.dequeue_task('idle-dead', v_token) AS d;
  PERFORM pgqueue.fail_task(v_task, v_token, 'poison');
  PERFORM pgqueue.release_batch('idle-dead', v_token);

  FOR i IN 1..250 LOOP
    PERFORM pgqueue.pause_batch('idle-paused-' || i);
    PERFORM pgqueue.enqueue_many('idle-paused-' || i, ARRAY['{"n":1}', '{"n":2}']::jsonb[]);
    PERFORM pgqueue.enqueue(batch_id => 'idle-delayed-' || i, run_after => clock_timestamp() + interval '1 hour');
    PERFORM pgqueue.enqueue(batch_id => 'idle-delayed-' || i);
  END LOOP;
END
$$;
SELECT pg_temp.copy_batch('idle-empty', 2, 250) AS copied \gset
SELECT pg_temp.copy_batch('idle-dead', 2, 250) AS copied \gset
-- As autovacuum would have by now: plans are made for tables of this size.
ANALYZE pgqueue.batches, pgqueue.tasks, pgqueue.dead_tasks;
SELECT results_eq($$SELECT * FROM pg_temp.idle_kinds()$$,
                  $$VALUES ('empty'::text, 250::bigint), ('empty, dead tasks only', 250), ('head delayed', 250), ('paused', 250)$$,
                  '1,000 idle batches: 250 empty, 250 holding only dead tasks, 250 with a delayed head, 250 paused');
SELECT buffers AS small_buffers, claimed AS small_claimed FROM pg_temp.idle_claim() \gset
SELECT is(:small_claimed::bigint, 0::bigint, 'with 1,000 idle batches claim_batch returns zero rows');

SELECT pg_temp.copy_batch('idle-empty', 251, 25000) AS copied \gset
SELECT pg_temp.copy_batch('idle-dead', 251, 25000) AS copied \gset
SELECT pg_temp.copy_batch('idle-paused-1', 251, 25000) AS copied \gset
SELECT pg_temp.copy_batch('idle-delayed-1', 251, 25000) AS copied \gset
ANALYZE pgqueue.batches, pgqueue.tasks, pgqueue.dead_tasks;
SELECT results_eq($$SELECT * FROM pg_temp.idle_kinds()$$,
                  $$VALUES ('empty'::text, 25000::bigint), ('empty, dead tasks only', 25000), ('head delayed', 25000), ('paused', 25000)$$,
                  '100,000 idle batches: 25,000 of each kind');
SELECT is((SELECT count(*) FROM pgqueue.dead_tasks), 25000::bigint, '... with 25,000 dead tasks');
SELECT buffers AS large_buffers, claimed AS large_claimed FROM pg_temp.idle_claim() \gset
SELECT is(:large_claimed::bigint, 0::bigint, 'with 100,000 idle batches claim_batch returns zero rows');

SELECT diag(format('buffers one idle claim_batch reads: %s with 1,000 idle batches, %s with 100,000',
                   :small_buffers, :large_buffers));
SELECT cmp_ok(:large_buffers::bigint, '<=', :small_buffers::bigint + 3,
              'an idle claim reads no more with 100,000 idle batches than with 1,000 (+3 buffers for a deeper index)');
SELECT cmp_ok(:small_buffers::bigint, '<=', 20::bigint, 'and it reads only a handful of buffers');

-- A batch paused while leased whose worker then died keeps its expired lease until reap_stale_locks clears it;
-- claims look for takeovers through an index without paused batches (migration 0002), so such batches cost an
-- idle claim nothing.
DO $$
BEGIN
  PERFORM pgqueue.enqueue(batch_id => 'idle-lost');
  PERFORM pgqueue.claim_batch(worker_id => 'w-died', preferred_batch_id => 'idle-lost', lease => '1 millisecond');
  PERFORM pgqueue.pause_batch('idle-lost');
  PERFORM pg_sleep(0.01);
END
$$;
SELECT pg_temp.copy_batch('idle-lost', 2, 10) AS copied \gset
ANALYZE pgqueue.batches;
SELECT buffers AS lost_small_buffers FROM pg_temp.idle_claim() \gset
SELECT pg_temp.copy_batch('idle-lost', 11, 5000) AS copied \gset
ANALYZE pgqueue.batches;
SELECT buffers AS lost_large_buffers FROM pg_temp.idle_claim() \gset
SELECT diag(format('with 10 paused batches holding expired leases: %s buffers; with 5,000: %s',
                   :lost_small_buffers, :lost_large_buffers));
SELECT cmp_ok(:lost_large_buffers::bigint, '<=', :lost_small_buffers::bigint + 3,
              'paused batches holding expired leases do not make an idle claim read more');

-- Priorities (set_batch_priority): claims walk levels from the highest down, one probe per level in use, so
-- delayed heads at four more levels (10,000 batches each) cost a few buffers per level, never one per batch.
DO $$
DECLARE
  v_level integer;
BEGIN
  FOREACH v_level IN ARRAY ARRAY[7, 3, -1, -5] LOOP
    PERFORM pgqueue.set_batch_priority('idle-prio-' || v_level, v_level);
    PERFORM pgqueue.enqueue(batch_id => 'idle-prio-' || v_level, run_after => clock_timestamp() + interval '1 hour');
  END LOOP;
END
$$;
SELECT pg_temp.copy_batch('idle-prio-' || l, 2, 10000) FROM unnest(ARRAY[7, 3, -1, -5]) AS l;
ANALYZE pgqueue.batches, pgqueue.tasks;
SELECT buffers AS prio_buffers, claimed AS prio_claimed FROM pg_temp.idle_claim() \gset
SELECT diag(format('with 5 priority levels in use (140,000 idle batches): %s buffers', :prio_buffers));
SELECT is(:prio_claimed::bigint, 0::bigint, 'with idle batches at 5 priority levels claim_batch returns zero rows');
SELECT cmp_ok(:prio_buffers::bigint, '<=', :lost_large_buffers::bigint + 4 * 5,
              'an idle claim costs at most 5 buffers (one index probe) per extra priority level in use, not one per batch');

SELECT * FROM finish();
ROLLBACK;
