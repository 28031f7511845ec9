-- The per-task functions, dequeue_task and complete_task, find their rows by key, however small the tables are.
-- On a batches table of a few pages the planner's cached generic plan for "WHERE batch_id = $1" is a sequential
-- scan: it compares every row and asks the kernel for the table's size (an lseek) on every call, which cost a
-- quarter of the server's time per task (bench/RESULTS.md). Both functions plan with enable_seqscan off; this test
-- drains batches of a freshly analyzed small queue, more times than PL/pgSQL plans a statement before caching a
-- generic plan, and counts sequential scans with pg_stat_xact_user_tables (this transaction's own counts).
\set VERBOSITY terse
BEGIN;
SELECT plan(5);

SELECT is((SELECT count(*) FROM pgqueue.batches), 0::bigint, 'the test database starts with an empty queue');

-- 30 small batches of 8 tasks, and statistics that say so: the shape where a sequential scan looks cheapest. The
-- tables are truncated first (in this transaction, so rolled back with it): earlier test files leave them empty but
-- thousands of pages long until a vacuum, and on such files an index scan looks cheaper anyway.
TRUNCATE pgqueue.tasks, pgqueue.batches, pgqueue.dead_tasks, pgqueue.completed_tasks_history;
SELECT count(*) FROM (
  SELECT pgqueue.enqueue_many(batch_id => 'hot-' || b, payloads => array_fill('{}'::jsonb, ARRAY[8]))
    FROM generate_series(1, 30) AS b) AS enqueued \g /dev/null
ANALYZE pgqueue.batches;
ANALYZE pgqueue.tasks;
ANALYZE pgqueue.settings;

SELECT lease_token AS token1 FROM pgqueue.claim_batch(worker_id => 'hot', preferred_batch_id => 'hot-1') \gset
SELECT lease_token AS token2 FROM pgqueue.claim_batch(worker_id => 'hot', preferred_batch_id => 'hot-2') \gset

CREATE TEMP TABLE scans_before AS
SELECT relname, seq_scan FROM pg_stat_xact_user_tables WHERE schemaname = 'pgqueue';

-- Drains two batches in this transaction: 16 dequeue_task and 16 complete_task calls, plus the two that find
-- nothing left.
CREATE FUNCTION pg_temp.drain(p_batch text, p_token bigint) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_task bigint;
  v_done integer := 0;
BEGIN
  LOOP
    SELECT d.task_id INTO v_task FROM pgqueue.dequeue_task(batch_id => p_batch, lease_token => p_token) AS d;
    EXIT WHEN v_task IS NULL;
    PERFORM pgqueue.complete_task(task_id => v_task, lease_token => p_token);
    v_done := v_done + 1;
  END LOOP;
  RETURN v_done;
END
$$;

SELECT is(pg_temp.drain('hot-1', :token1) + pg_temp.drain('hot-2', :token2), 16,
          'two batches of 8 tasks drained through dequeue_task and complete_task');

CREATE TEMP TABLE seq_scans AS
SELECT a.relname, a.seq_scan - coalesce(b.seq_scan, 0) AS scans
  FROM pg_stat_xact_user_tables AS a
  LEFT JOIN scans_before AS b USING (relname)
 WHERE a.schemaname = 'pgqueue';

SELECT is((SELECT scans FROM seq_scans WHERE relname = 'batches'), 0::bigint,
          'no sequential scan of pgqueue.batches (the lease is read through its primary key)');
SELECT is((SELECT scans FROM seq_scans WHERE relname = 'settings'), 0::bigint,
          'no sequential scan of pgqueue.settings (keep_completed is read through its key)');
SELECT is((SELECT scans FROM seq_scans WHERE relname = 'tasks'), 0::bigint,
          'no sequential scan of pgqueue.tasks');

SELECT * FROM finish();
ROLLBACK;
