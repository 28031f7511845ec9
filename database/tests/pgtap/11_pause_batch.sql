-- pause_batch: a paused batch is never claimed and keeps its tasks; an unknown batch is created paused; a worker
-- already holding the lease may go on until it releases; bad batch ids raise PQ002 without writing anything.
\set VERBOSITY terse
BEGIN;
SELECT plan(19);

CREATE FUNCTION pg_temp.row_counts() RETURNS text LANGUAGE sql AS $$
  SELECT format('tasks=%s batches=%s dead_tasks=%s paused=%s', (SELECT count(*) FROM pgqueue.tasks),
                (SELECT count(*) FROM pgqueue.batches), (SELECT count(*) FROM pgqueue.dead_tasks),
                (SELECT count(*) FROM pgqueue.batches WHERE paused))
$$;

SELECT is(pg_temp.row_counts(), 'tasks=0 batches=0 dead_tasks=0 paused=0', 'the test database starts with an empty queue');

SELECT lives_ok($$SELECT pgqueue.pause_batch(batch_id => 'pause-new')$$, 'pausing an unknown batch');
SELECT results_eq($$SELECT paused, state, pending FROM pgqueue.batch_status WHERE batch_id = 'pause-new'$$,
                  $$VALUES (true, 'paused'::text, 0::bigint)$$, 'creates it, paused and empty');
SELECT pgqueue.enqueue(batch_id => 'pause-new') AS n1 \gset
SELECT is_empty($$SELECT * FROM pgqueue.claim_batch(worker_id => 'w1')$$, 'a producer enqueues into it, but it is not claimed');
SELECT is((SELECT pending FROM pgqueue.batch_status WHERE batch_id = 'pause-new'), 1::bigint, 'its task stays pending');
SELECT lives_ok($$SELECT pgqueue.pause_batch(batch_id => 'pause-new')$$, 'pausing a paused batch again is harmless');
SELECT is((SELECT paused FROM pgqueue.batch_status WHERE batch_id = 'pause-new'), true, '... it stays paused');

SELECT pgqueue.enqueue(batch_id => 'pause-other') AS o1 \gset
SELECT is((SELECT batch_id FROM pgqueue.claim_batch(worker_id => 'w1')), 'pause-other', 'other batches are claimed as usual');

-- Pausing a leased batch
SELECT pgqueue.enqueue(batch_id => 'pause-leased') AS l1 \gset
SELECT pgqueue.enqueue(batch_id => 'pause-leased') AS l2 \gset
SELECT lease_token AS token FROM pgqueue.claim_batch(worker_id => 'w1', preferred_batch_id => 'pause-leased') \gset
SELECT lives_ok($$SELECT pgqueue.pause_batch(batch_id => 'pause-leased')$$, 'pausing a leased batch');
SELECT is((SELECT task_id FROM pgqueue.dequeue_task('pause-leased', :token)), :l1::bigint, 'its owner still dequeues ...');
SELECT lives_ok(format('SELECT pgqueue.complete_task(%s, %s)', :l1, :token), '... completes ...');
SELECT isnt(pgqueue.renew_lease('pause-leased', :token), NULL, '... and renews');
SELECT ok(pgqueue.release_batch('pause-leased', :token), 'until it releases the batch');
SELECT is_empty($$SELECT * FROM pgqueue.claim_batch(worker_id => 'w2', preferred_batch_id => 'pause-leased')$$,
                'then the paused batch is not claimed, although a task is pending');

-- Bad arguments
SELECT pg_temp.row_counts() AS counts_before \gset
SELECT throws_ok($$SELECT pgqueue.pause_batch(NULL)$$, 'PQ002', NULL, 'a null batch id raises PQ002');
SELECT throws_ok($$SELECT pgqueue.pause_batch('')$$, 'PQ002', NULL, 'an empty batch id raises PQ002');
SELECT throws_ok(format('SELECT pgqueue.pause_batch(%L)', repeat('p', 65)), 'PQ002', NULL, 'a 65-character batch id raises PQ002');
SELECT throws_ok($$SELECT pgqueue.pause_batch('pause other')$$, 'PQ002', NULL, 'a bad character in the batch id raises PQ002');
SELECT is(pg_temp.row_counts(), :'counts_before', 'the rejected calls wrote nothing');

SELECT * FROM finish();
ROLLBACK;
