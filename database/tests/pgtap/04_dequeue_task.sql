-- dequeue_task: returns the batch's head task and only the head (never skips it: a delayed head means zero
-- rows even with due tasks behind it); raises PQ001 for a wrong, foreign or expired token; bad arguments raise
-- their SQLSTATE without writing anything.
\set VERBOSITY terse
BEGIN;
SELECT plan(26);

CREATE FUNCTION pg_temp.row_counts() RETURNS text LANGUAGE sql AS $$
  SELECT format('tasks=%s batches=%s dead_tasks=%s', (SELECT count(*) FROM pgqueue.tasks),
                (SELECT count(*) FROM pgqueue.batches), (SELECT count(*) FROM pgqueue.dead_tasks))
$$;

SELECT is(pg_temp.row_counts(), 'tasks=0 batches=0 dead_tasks=0', 'the test database starts with an empty queue');

SELECT pgqueue.enqueue(batch_id => 'deq-a', payload => '{"n":1}', task_type => 'mail') AS t1 \gset
SELECT pgqueue.enqueue(batch_id => 'deq-a', payload => '{"n":2}') AS t2 \gset
SELECT pgqueue.enqueue(batch_id => 'deq-a', payload => '{"n":3}') AS t3 \gset
SELECT lease_token AS token FROM pgqueue.claim_batch(worker_id => 'w1', preferred_batch_id => 'deq-a') \gset

SELECT results_eq(
  format('SELECT task_id, task_type, payload, attempts, enqueued_at = now() FROM pgqueue.dequeue_task(%L, %s)', 'deq-a', :token),
  format($$VALUES (%s::bigint, 'mail'::text, '{"n":1}'::jsonb, 0, true)$$, :t1),
  'the head task comes back with its type, payload, attempts and enqueue time');
SELECT results_eq(format('SELECT task_id FROM pgqueue.dequeue_task(%L, %s)', 'deq-a', :token),
                  format('VALUES (%s::bigint)', :t1),
                  'dequeuing again without completing returns the same head, never the next task');
SELECT pgqueue.complete_task(task_id => :t1, lease_token => :token) AS completed \gset
SELECT results_eq(format('SELECT task_id FROM pgqueue.dequeue_task(%L, %s)', 'deq-a', :token),
                  format('VALUES (%s::bigint)', :t2), 'after completing the head, the next task is the head');

SELECT is(pgqueue.fail_task(task_id => :t2, lease_token => :token, error => 'boom', retry_after => '0 seconds'), 'retry',
          'the head fails once and is due again at once');
SELECT results_eq(format('SELECT task_id, attempts FROM pgqueue.dequeue_task(%L, %s)', 'deq-a', :token),
                  format('VALUES (%s::bigint, 1)', :t2), 'a retried head comes back first, with its attempt counted');
SELECT is(pgqueue.fail_task(task_id => :t2, lease_token => :token, error => 'boom', retry_after => '1 hour'), 'retry',
          'the head fails again and waits an hour');
SELECT is_empty(format('SELECT * FROM pgqueue.dequeue_task(%L, %s)', 'deq-a', :token),
                'a head waiting for run_after: zero rows, although a due task is behind it');
SELECT is((SELECT count(*) FROM pgqueue.tasks WHERE batch_id = 'deq-a'), 2::bigint, '... and both tasks are still pending');

SELECT pgqueue.enqueue(batch_id => 'deq-empty') AS e1 \gset
SELECT lease_token AS empty_token FROM pgqueue.claim_batch(worker_id => 'w1', preferred_batch_id => 'deq-empty') \gset
SELECT is((SELECT task_id FROM pgqueue.dequeue_task(batch_id => 'deq-empty', lease_token => :empty_token)), :e1::bigint,
          'deq-empty: its only task');
SELECT pgqueue.complete_task(task_id => :e1, lease_token => :empty_token) AS completed \gset
SELECT is_empty(format('SELECT * FROM pgqueue.dequeue_task(%L, %s)', 'deq-empty', :empty_token),
                'an empty batch: zero rows');

-- Lease checks
SELECT throws_ok(format('SELECT * FROM pgqueue.dequeue_task(%L, %s)', 'deq-a', :token + 1000000), 'PQ001', NULL,
                 'a wrong token raises PQ001');
SELECT throws_ok(format('SELECT * FROM pgqueue.dequeue_task(%L, %s)', 'deq-a', :empty_token), 'PQ001', NULL,
                 'another batch''s token raises PQ001');
SELECT throws_ok(format('SELECT * FROM pgqueue.dequeue_task(%L, %s)', 'deq-unknown', :token), 'PQ001', NULL,
                 'an unknown batch raises PQ001');
SELECT throws_like(format('SELECT * FROM pgqueue.dequeue_task(%L, %s)', 'deq-unknown', :token), '%deq-unknown%',
                   'the PQ001 message names the batch');

SELECT pgqueue.enqueue(batch_id => 'deq-expiring') AS x1 \gset
SELECT lease_token AS expiring_token FROM pgqueue.claim_batch(worker_id => 'w1', preferred_batch_id => 'deq-expiring') \gset
SELECT isnt(pgqueue.renew_lease(batch_id => 'deq-expiring', lease_token => :expiring_token, lease => '1 millisecond'),
            NULL, 'the lease is shortened to 1 ms');
SELECT pg_sleep(0.01) AS slept \gset
SELECT throws_ok(format('SELECT * FROM pgqueue.dequeue_task(%L, %s)', 'deq-expiring', :expiring_token), 'PQ001', NULL,
                 'an expired token raises PQ001 ...');
SELECT is((SELECT lease_token FROM pgqueue.batches WHERE batch_id = 'deq-expiring'), :expiring_token::bigint,
          '... at once, before anyone took the batch over');
SELECT lease_token AS new_token FROM pgqueue.claim_batch(worker_id => 'w2', preferred_batch_id => 'deq-expiring') \gset
SELECT is((SELECT task_id FROM pgqueue.dequeue_task(batch_id => 'deq-expiring', lease_token => :new_token)), :x1::bigint,
          'the new owner dequeues the head');

-- Bad arguments
SELECT pg_temp.row_counts() AS counts_before \gset
SELECT throws_ok(format('SELECT * FROM pgqueue.dequeue_task(NULL, %s)', :token), 'PQ002', NULL, 'a null batch id raises PQ002');
SELECT throws_ok(format('SELECT * FROM pgqueue.dequeue_task(%L, %s)', '', :token), 'PQ002', NULL, 'an empty batch id raises PQ002');
SELECT throws_ok(format('SELECT * FROM pgqueue.dequeue_task(%L, %s)', repeat('d', 65), :token), 'PQ002', NULL,
                 'a 65-character batch id raises PQ002');
SELECT throws_ok(format('SELECT * FROM pgqueue.dequeue_task(%L, %s)', 'deq a', :token), 'PQ002', NULL,
                 'a bad character in the batch id raises PQ002');
SELECT throws_ok($$SELECT * FROM pgqueue.dequeue_task('deq-a', NULL)$$, 'PQ004', NULL, 'a null token raises PQ004');
SELECT throws_ok($$SELECT * FROM pgqueue.dequeue_task(NULL, NULL)$$, 'PQ002', NULL, 'the batch id is checked first');
SELECT is(pg_temp.row_counts(), :'counts_before', 'the rejected calls wrote nothing');

SELECT * FROM finish();
ROLLBACK;
