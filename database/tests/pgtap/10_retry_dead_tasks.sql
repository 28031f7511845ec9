-- retry_dead_tasks: moves dead tasks back under their original id (their place in the batch), attempts 0, last
-- error kept; filters by ids and failure time; a dead task whose dedup_key is taken stays dead and is not
-- counted; a task redriven ahead of an in-flight task makes that task's complete_task raise PQ003.
\set VERBOSITY terse
BEGIN;
SELECT plan(31);

CREATE FUNCTION pg_temp.row_counts() RETURNS text LANGUAGE sql AS $$
  SELECT format('tasks=%s batches=%s dead_tasks=%s', (SELECT count(*) FROM pgqueue.tasks),
                (SELECT count(*) FROM pgqueue.batches), (SELECT count(*) FROM pgqueue.dead_tasks))
$$;

-- Kills the head of a batch through the contract: claim, fail with max_attempts used up, release.
CREATE FUNCTION pg_temp.kill_head(batch text, error text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  v_token bigint;
  v_task bigint;
BEGIN
  SELECT c.lease_token INTO v_token FROM pgqueue.claim_batch(worker_id => 'killer', preferred_batch_id => batch) AS c;
  SELECT d.task_id INTO v_task FROM pgqueue.dequeue_task(batch, v_token) AS d;
  IF pgqueue.fail_task(v_task, v_token, error, '0 seconds') <> 'dead' THEN
    RAISE EXCEPTION 'task % did not die', v_task;
  END IF;
  PERFORM pgqueue.release_batch(batch, v_token);
  RETURN v_task;
END
$$;

SELECT is(pg_temp.row_counts(), 'tasks=0 batches=0 dead_tasks=0', 'the test database starts with an empty queue');
SELECT is(pgqueue.retry_dead_tasks(), 0, 'no dead tasks: nothing moved');

SELECT pgqueue.enqueue(batch_id => 'redrive-a', payload => '{"n":1}', task_type => 'mail', max_attempts => 1) AS x1 \gset
SELECT pgqueue.enqueue(batch_id => 'redrive-a', payload => '{"n":2}') AS a2 \gset
SELECT is(pg_temp.kill_head('redrive-a', 'boom 1'), :x1::bigint, 'x1 died');
SELECT pgqueue.enqueue(batch_id => 'redrive-b', max_attempts => 1) AS x2 \gset
SELECT is(pg_temp.kill_head('redrive-b', 'boom 2'), :x2::bigint, 'x2 died');
SELECT clock_timestamp() AS between_ts \gset
SELECT pgqueue.enqueue(batch_id => 'redrive-c', max_attempts => 1) AS x3 \gset
SELECT is(pg_temp.kill_head('redrive-c', 'boom 3'), :x3::bigint, 'x3 died');
SELECT is((SELECT state FROM pgqueue.batch_status WHERE batch_id = 'redrive-b'), 'empty', 'redrive-b holds only a dead task');

SELECT is(pgqueue.retry_dead_tasks(task_ids => ARRAY[:x1]::bigint[]), 1, 'one dead task moved by id');
SELECT results_eq(
  format('SELECT task_id, batch_id, task_type, payload, attempts, max_attempts, last_error FROM pgqueue.pending_tasks WHERE task_id = %s', :x1),
  format($$VALUES (%s::bigint, 'redrive-a'::text, 'mail'::text, '{"n":1}'::jsonb, 0, 1, 'boom 1'::text)$$, :x1),
  'it is pending again under its original id, attempts 0, with its payload, type and last error');
SELECT is((SELECT count(*) FROM pgqueue.failed_tasks WHERE task_id = :x1), 0::bigint, 'it left dead_tasks');
SELECT lease_token AS a_token FROM pgqueue.claim_batch(worker_id => 'w1', preferred_batch_id => 'redrive-a') \gset
SELECT is((SELECT task_id FROM pgqueue.dequeue_task('redrive-a', :a_token)), :x1::bigint,
          'it is back at its original place: ahead of the task enqueued after it');
SELECT pgqueue.complete_task(:x1, :a_token) AS completed \gset
SELECT is((SELECT task_id FROM pgqueue.dequeue_task('redrive-a', :a_token)), :a2::bigint, 'then the batch goes on');

-- Filters by failure time
SELECT is(pgqueue.retry_dead_tasks(task_ids => ARRAY[:x3]::bigint[], failed_before => :'between_ts'), 0,
          'every given filter must match: x3 failed after the cut');
SELECT is(pgqueue.retry_dead_tasks(failed_before => :'between_ts'), 1, 'failed_before moves the earlier failure ...');
SELECT is((SELECT count(*) FROM pgqueue.tasks WHERE id = :x2), 1::bigint, '... x2');
SELECT is((SELECT state FROM pgqueue.batch_status WHERE batch_id = 'redrive-b'), 'runnable', 'its empty batch is runnable again');
SELECT is(pgqueue.retry_dead_tasks(failed_after => :'between_ts'), 1, 'failed_after moves the later failure ...');
SELECT is((SELECT count(*) FROM pgqueue.tasks WHERE id = :x3), 1::bigint, '... x3');

-- All, and dedup conflicts
SELECT pgqueue.enqueue(batch_id => 'redrive-d', max_attempts => 1) AS x4 \gset
SELECT pgqueue.enqueue(batch_id => 'redrive-d', max_attempts => 1) AS x5 \gset
SELECT pgqueue.enqueue(batch_id => 'redrive-e', dedup_key => 'k', max_attempts => 1) AS x6 \gset
SELECT ok(pg_temp.kill_head('redrive-d', 'boom 4') = :x4 AND pg_temp.kill_head('redrive-d', 'boom 5') = :x5
          AND pg_temp.kill_head('redrive-e', 'boom 6') = :x6, 'x4, x5, x6 died');
SELECT pgqueue.enqueue(batch_id => 'redrive-e', dedup_key => 'k') AS x6_successor \gset
SELECT ok(:x6_successor > :x6, 'the dedup_key of dead x6 is free, so a new task takes it');
SELECT is(pgqueue.retry_dead_tasks(), 2, 'with no filter every dead task moves, except the one whose dedup_key is taken');
SELECT results_eq($$SELECT task_id FROM pgqueue.pending_tasks WHERE batch_id = 'redrive-d' ORDER BY task_id$$,
                  format('VALUES (%s::bigint), (%s)', :x4, :x5), 'x4 and x5 are pending, in their order');
SELECT results_eq($$SELECT task_id, last_error FROM pgqueue.failed_tasks$$, format($$VALUES (%s::bigint, 'boom 6'::text)$$, :x6),
                  'x6 stays dead');
SELECT is((SELECT count(*) FROM pgqueue.tasks WHERE batch_id = 'redrive-e'), 1::bigint, 'and its successor is not duplicated');

-- Redrive ahead of an in-flight task
SELECT pgqueue.enqueue(batch_id => 'redrive-f', max_attempts => 1) AS f1 \gset
SELECT pgqueue.enqueue(batch_id => 'redrive-f') AS f2 \gset
SELECT lease_token AS f_token FROM pgqueue.claim_batch(worker_id => 'w1', preferred_batch_id => 'redrive-f') \gset
SELECT is((SELECT task_id FROM pgqueue.dequeue_task('redrive-f', :f_token)), :f1::bigint, 'f1 runs');
SELECT is(pgqueue.fail_task(:f1, :f_token, 'boom f1'), 'dead', 'f1 dies');
SELECT is((SELECT task_id FROM pgqueue.dequeue_task('redrive-f', :f_token)), :f2::bigint, 'f2 is in flight');
SELECT is(pgqueue.retry_dead_tasks(task_ids => ARRAY[:f1]::bigint[]), 1, 'f1 is redriven while f2 runs');
SELECT throws_ok(format('SELECT pgqueue.complete_task(%s, %s)', :f2, :f_token), 'PQ003', NULL,
                 'f2 cannot complete ahead of the redriven f1: PQ003');
SELECT is((SELECT task_id FROM pgqueue.dequeue_task('redrive-f', :f_token)), :f1::bigint, 'the redriven f1 is the head');

-- Bad arguments
SELECT pg_temp.row_counts() AS counts_before \gset
SELECT throws_ok($$SELECT pgqueue.retry_dead_tasks(failed_after => now(), failed_before => now() - interval '1 hour')$$,
                 'PQ004', NULL, 'failed_after later than failed_before raises PQ004');
SELECT is(pg_temp.row_counts(), :'counts_before', 'the rejected call moved nothing');

SELECT * FROM finish();
ROLLBACK;
