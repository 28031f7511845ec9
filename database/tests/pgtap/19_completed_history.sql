-- Task history: with keep_completed off (the default) complete_task deletes and keeps nothing; with it set, the
-- task moves to completed_tasks under its id; rerun_task enqueues a copy of a retained completed or a dead task at
-- the end of its batch (a dead original leaves dead_tasks); reap_stale_locks trims old history (all when off).
\set VERBOSITY terse
BEGIN;
SELECT plan(16);

CREATE FUNCTION pg_temp.run_one(batch text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  v_token bigint;
  v_task bigint;
BEGIN
  SELECT c.lease_token INTO v_token FROM pgqueue.claim_batch(worker_id => 'w', preferred_batch_id => batch) AS c;
  SELECT d.task_id INTO v_task FROM pgqueue.dequeue_task(batch, v_token) AS d;
  PERFORM pgqueue.complete_task(v_task, v_token);
  PERFORM pgqueue.release_batch(batch, v_token);
  RETURN v_task;
END
$$;
CREATE FUNCTION pg_temp.row_counts() RETURNS text LANGUAGE sql AS $$
  SELECT format('tasks=%s dead=%s completed=%s', (SELECT count(*) FROM pgqueue.tasks),
                (SELECT count(*) FROM pgqueue.dead_tasks), (SELECT count(*) FROM pgqueue.completed_tasks))
$$;

SELECT is((SELECT keep_completed FROM pgqueue.settings), NULL::interval, 'keep_completed is off by default');
SELECT pgqueue.enqueue(batch_id => 'hist', payload => '{"n":1}') AS t1 \gset
SELECT is(pg_temp.run_one('hist'), :t1::bigint, 'completing with history off ...');
SELECT is((SELECT count(*) FROM pgqueue.completed_tasks), 0::bigint, '... keeps nothing');
SELECT throws_ok(format('SELECT pgqueue.rerun_task(%s)', :t1), 'PQ003', NULL, '... so it cannot be rerun');

UPDATE pgqueue.settings SET keep_completed = '1 day';
SELECT pgqueue.enqueue(batch_id => 'hist', payload => '{"n":2}', task_type => 'job', max_attempts => 3) AS t2 \gset
SELECT pg_temp.run_one('hist') AS done \gset
SELECT results_eq(format('SELECT task_id, batch_id, task_type, payload, attempts, max_attempts FROM pgqueue.completed_tasks'),
                  format($$VALUES (%s::bigint, 'hist'::text, 'job'::text, '{"n":2}'::jsonb, 0, 3)$$, :t2),
                  'with keep_completed set, a completed task is retained under its id');
SELECT pgqueue.rerun_task(:t2) AS r2 \gset
SELECT cmp_ok(:r2::bigint, '>', :t2::bigint, 'rerun_task enqueues a copy under a new id');
SELECT results_eq(format('SELECT batch_id, task_type, payload, max_attempts, dedup_key FROM pgqueue.pending_tasks WHERE task_id = %s', :r2),
                  $$VALUES ('hist'::text, 'job'::text, '{"n":2}'::jsonb, 3, NULL::text)$$, '... with payload, type and max attempts, no dedup key');
SELECT is((SELECT count(*) FROM pgqueue.completed_tasks WHERE task_id = :t2), 1::bigint, '... and the completed original stays in history');
SELECT throws_ok(format('SELECT pgqueue.rerun_task(%s)', :r2), 'PQ003', NULL, 'a pending task cannot be rerun');

-- A dead task
SELECT pg_temp.run_one('hist') AS done \gset
SELECT pgqueue.enqueue(batch_id => 'hist-dead', max_attempts => 1) AS d1 \gset
SELECT lease_token AS tok FROM pgqueue.claim_batch(worker_id => 'w', preferred_batch_id => 'hist-dead') \gset
SELECT task_id AS x FROM pgqueue.dequeue_task('hist-dead', :tok) \gset
SELECT is(pgqueue.fail_task(:d1, :tok, 'boom'), 'dead', 'a task dies');
SELECT pgqueue.rerun_task(:d1) AS r3 \gset
SELECT is((SELECT count(*) FROM pgqueue.failed_tasks WHERE task_id = :d1), 0::bigint, 'rerunning a dead task takes it out of dead_tasks');
SELECT is((SELECT batch_id FROM pgqueue.pending_tasks WHERE task_id = :r3), 'hist-dead', '... and enqueues its copy in its batch');

-- Trimming
SELECT pg_temp.row_counts() AS counts_before \gset
SELECT throws_ok($$SELECT pgqueue.rerun_task(NULL)$$, 'PQ004', NULL, 'a null task id raises PQ004');
SELECT throws_ok($$SELECT pgqueue.rerun_task(-1)$$, 'PQ003', NULL, 'an unknown task id raises PQ003');
SELECT is(pg_temp.row_counts(), :'counts_before', 'the rejected calls wrote nothing');
UPDATE pgqueue.settings SET keep_completed = NULL;
SELECT pgqueue.reap_stale_locks() AS reaped \gset
SELECT is((SELECT count(*) FROM pgqueue.completed_tasks), 0::bigint, 'with keep_completed off again, reap_stale_locks trims all history');

SELECT * FROM finish();
ROLLBACK;
