-- fail_task: 'retry' keeps the task as the head and delays it (retry_after, else an exponential backoff with
-- jitter); at max_attempts it returns 'dead' and moves the task to dead_tasks (max_attempts 3: retry, retry,
-- dead); PQ001 without the lease, PQ003 for a task that is not the head; bad arguments raise PQ004 and charge nothing.
\set VERBOSITY terse
BEGIN;
SELECT plan(31);

CREATE FUNCTION pg_temp.row_counts() RETURNS text LANGUAGE sql AS $$
  SELECT format('tasks=%s batches=%s dead_tasks=%s attempts=%s', (SELECT count(*) FROM pgqueue.tasks),
                (SELECT count(*) FROM pgqueue.batches), (SELECT count(*) FROM pgqueue.dead_tasks),
                (SELECT coalesce(sum(attempts), 0) FROM pgqueue.tasks))
$$;

SELECT is(pg_temp.row_counts(), 'tasks=0 batches=0 dead_tasks=0 attempts=0', 'the test database starts with an empty queue');

-- max_attempts 3: retry, retry, dead
SELECT pgqueue.enqueue(batch_id => 'fail-a', payload => '{"n":1}', max_attempts => 3) AS t1 \gset
SELECT pgqueue.enqueue(batch_id => 'fail-a', payload => '{"n":2}') AS t2 \gset
SELECT lease_token AS token FROM pgqueue.claim_batch(worker_id => 'w1', preferred_batch_id => 'fail-a') \gset

SELECT is((SELECT task_id FROM pgqueue.dequeue_task('fail-a', :token)), :t1::bigint, 'try 1 of t1');
SELECT is(pgqueue.fail_task(task_id => :t1, lease_token => :token, error => 'e1', retry_after => '0 seconds'), 'retry',
          'first failure: retry');
SELECT results_eq(format('SELECT attempts, last_error, run_after <= clock_timestamp() FROM pgqueue.pending_tasks WHERE task_id = %s', :t1),
                  $$VALUES (1, 'e1'::text, true)$$, 'one attempt charged, the error kept, retry_after 0 makes it due at once');
SELECT is((SELECT task_id FROM pgqueue.dequeue_task('fail-a', :token)), :t1::bigint, 'try 2: t1 is still the head');
SELECT is(pgqueue.fail_task(task_id => :t1, lease_token => :token, error => 'e2', retry_after => '0 seconds'), 'retry',
          'second failure: retry');
SELECT is((SELECT task_id FROM pgqueue.dequeue_task('fail-a', :token)), :t1::bigint, 'try 3: t1 is still the head');
SELECT is(pgqueue.fail_task(task_id => :t1, lease_token => :token, error => 'e3'), 'dead', 'third failure: dead');
SELECT is((SELECT count(*) FROM pgqueue.tasks WHERE id = :t1), 0::bigint, 'the dead task left the pending tasks');
SELECT results_eq(format('SELECT task_id, batch_id, payload, attempts, max_attempts, last_error FROM pgqueue.failed_tasks WHERE task_id = %s', :t1),
                  format($$VALUES (%s::bigint, 'fail-a'::text, '{"n":1}'::jsonb, 3, 3, 'e3'::text)$$, :t1),
                  'it sits in dead_tasks under its id with 3 attempts and the last error');
SELECT is((SELECT task_id FROM pgqueue.dequeue_task('fail-a', :token)), :t2::bigint,
          'the batch goes on with the next task under the same lease');

-- Backoff and retry_after
SELECT is(pgqueue.fail_task(task_id => :t2, lease_token => :token, error => 'slow down', retry_after => '1 hour'), 'retry',
          't2 fails with retry_after 1 hour');
SELECT ok((SELECT run_after BETWEEN clock_timestamp() + interval '59 minutes' AND clock_timestamp() + interval '1 hour'
             FROM pgqueue.pending_tasks WHERE task_id = :t2), 'retry_after is honoured');
SELECT is_empty(format('SELECT * FROM pgqueue.dequeue_task(%L, %s)', 'fail-a', :token), 'the delayed head is not dequeued');

SELECT pgqueue.enqueue(batch_id => 'fail-backoff', max_attempts => 10) AS b1 \gset
SELECT lease_token AS backoff_token FROM pgqueue.claim_batch(worker_id => 'w1', preferred_batch_id => 'fail-backoff') \gset
SELECT is(pgqueue.fail_task(task_id => :b1, lease_token => :backoff_token, error => 'x'), 'retry', 'a failure without retry_after');
-- Backoffs are measured from the failure (last_failed_at, stamped in the same statement), never from the clock at
-- assertion time: a busy machine may take a while between the two.
SELECT ok((SELECT run_after - last_failed_at BETWEEN interval '500 milliseconds' - interval '5 milliseconds'
                                                 AND interval '1 second'
             FROM pgqueue.pending_tasks WHERE task_id = :b1),
          'first backoff: the 1 s base times a jitter from 0.5 to 1');
SELECT is(pgqueue.fail_task(task_id => :b1, lease_token => :backoff_token, error => 'x'), 'retry', 'a second failure');
SELECT ok((SELECT run_after - last_failed_at BETWEEN interval '1 second' - interval '5 milliseconds' AND interval '2 seconds'
             FROM pgqueue.pending_tasks WHERE task_id = :b1), 'second backoff doubles: 1 to 2 s');
UPDATE pgqueue.settings SET backoff_cap = '3 seconds';
SELECT is(pgqueue.fail_task(task_id => :b1, lease_token => :backoff_token, error => 'x'), 'retry', 'a third failure');
SELECT is(pgqueue.fail_task(task_id => :b1, lease_token => :backoff_token, error => 'x'), 'retry', 'a fourth failure');
SELECT ok((SELECT run_after - last_failed_at BETWEEN interval '1.5 seconds' - interval '5 milliseconds' AND interval '3 seconds'
             FROM pgqueue.pending_tasks WHERE task_id = :b1), 'the backoff stops at backoff_cap (8 s capped to 3 s)');
SELECT is(pgqueue.fail_task(task_id => :b1, lease_token => :backoff_token, error => NULL, retry_after => '0 seconds'), 'retry',
          'a failure without an error message');
SELECT is((SELECT last_error FROM pgqueue.pending_tasks WHERE task_id = :b1), 'no error message given',
          '... records a placeholder');

SELECT pgqueue.enqueue(batch_id => 'fail-once', max_attempts => 1) AS o1 \gset
SELECT lease_token AS once_token FROM pgqueue.claim_batch(worker_id => 'w1', preferred_batch_id => 'fail-once') \gset
SELECT is(pgqueue.fail_task(task_id => :o1, lease_token => :once_token, error => 'x'), 'dead', 'max_attempts 1: the first failure is dead');

-- Lease and head checks, bad arguments
SELECT pgqueue.enqueue(batch_id => 'fail-backoff') AS b2 \gset
SELECT pg_temp.row_counts() AS counts_before \gset
SELECT throws_ok(format('SELECT pgqueue.fail_task(%s, %s, %L)', :b2, :backoff_token, 'x'), 'PQ003', NULL,
                 'failing a task that is not the head raises PQ003');
SELECT throws_ok(format('SELECT pgqueue.fail_task(%s, %s, %L)', :b1, :backoff_token + 1000000, 'x'), 'PQ001', NULL,
                 'failing with a wrong token raises PQ001');
SELECT throws_ok(format('SELECT pgqueue.fail_task(%s, %s, %L)', :b2 + 1000000, :backoff_token, 'x'), 'PQ003', NULL,
                 'an unknown task raises PQ003');
SELECT throws_ok(format('SELECT pgqueue.fail_task(NULL, %s, %L)', :backoff_token, 'x'), 'PQ004', NULL, 'a null task id raises PQ004');
SELECT throws_ok(format('SELECT pgqueue.fail_task(%s, NULL, %L)', :b1, 'x'), 'PQ004', NULL, 'a null token raises PQ004');
SELECT throws_ok(format('SELECT pgqueue.fail_task(%s, %s, %L, %L)', :b1, :backoff_token, 'x', '-1 second'), 'PQ004', NULL,
                 'a negative retry_after raises PQ004');
SELECT is(pg_temp.row_counts(), :'counts_before', 'the rejected calls wrote nothing and charged nothing');

SELECT * FROM finish();
ROLLBACK;
