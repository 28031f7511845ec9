-- resume_batch: a resumed batch is claimable again (when it has a due head and no live lease); resuming an
-- unknown or unpaused batch is a no-op; bad batch ids raise PQ002 without writing anything.
\set VERBOSITY terse
BEGIN;
SELECT plan(18);

CREATE FUNCTION pg_temp.row_counts() RETURNS text LANGUAGE sql AS $$
  SELECT format('tasks=%s batches=%s dead_tasks=%s paused=%s', (SELECT count(*) FROM pgqueue.tasks),
                (SELECT count(*) FROM pgqueue.batches), (SELECT count(*) FROM pgqueue.dead_tasks),
                (SELECT count(*) FROM pgqueue.batches WHERE paused))
$$;

SELECT is(pg_temp.row_counts(), 'tasks=0 batches=0 dead_tasks=0 paused=0', 'the test database starts with an empty queue');

SELECT pgqueue.enqueue(batch_id => 'resume-a') AS a1 \gset
SELECT pgqueue.pause_batch('resume-a') AS paused \gset
SELECT is_empty($$SELECT * FROM pgqueue.claim_batch(worker_id => 'w1')$$, 'resume-a is paused');
SELECT lives_ok($$SELECT pgqueue.resume_batch(batch_id => 'resume-a')$$, 'resuming it');
SELECT results_eq($$SELECT paused, state FROM pgqueue.batch_status WHERE batch_id = 'resume-a'$$,
                  $$VALUES (false, 'runnable'::text)$$, 'makes it runnable');
SELECT is((SELECT batch_id FROM pgqueue.claim_batch(worker_id => 'w1')), 'resume-a', 'and claimable');

SELECT pg_temp.row_counts() AS counts_before \gset
SELECT lives_ok($$SELECT pgqueue.resume_batch(batch_id => 'resume-unknown')$$, 'resuming an unknown batch');
SELECT lives_ok($$SELECT pgqueue.resume_batch(batch_id => 'resume-a')$$, 'resuming a batch that is not paused');
SELECT is(pg_temp.row_counts(), :'counts_before', '... are no-ops: no batch is created');

-- Resumed, yet not claimable for other reasons
SELECT pgqueue.enqueue(batch_id => 'resume-leased') AS l1 \gset
SELECT lease_token AS token FROM pgqueue.claim_batch(worker_id => 'w1', preferred_batch_id => 'resume-leased') \gset
SELECT pgqueue.pause_batch('resume-leased') AS paused \gset
SELECT pgqueue.resume_batch('resume-leased') AS resumed \gset
SELECT is_empty($$SELECT * FROM pgqueue.claim_batch(worker_id => 'w2', preferred_batch_id => 'resume-leased')$$,
                'resuming a leased batch does not free its lease');
SELECT pgqueue.pause_batch('resume-delayed') AS paused \gset
SELECT pgqueue.enqueue(batch_id => 'resume-delayed', run_after => clock_timestamp() + interval '1 hour') AS d1 \gset
SELECT pgqueue.resume_batch('resume-delayed') AS resumed \gset
SELECT is((SELECT state FROM pgqueue.batch_status WHERE batch_id = 'resume-delayed'), 'head delayed', 'a resumed batch waits for its head');
SELECT is_empty($$SELECT * FROM pgqueue.claim_batch(worker_id => 'w2')$$, '... and is not claimed before run_after');
SELECT pgqueue.pause_batch('resume-empty') AS paused \gset
SELECT pgqueue.resume_batch('resume-empty') AS resumed \gset
SELECT is((SELECT state FROM pgqueue.batch_status WHERE batch_id = 'resume-empty'), 'empty', 'a resumed empty batch is empty');
SELECT pgqueue.enqueue(batch_id => 'resume-empty') AS e1 \gset
SELECT is((SELECT batch_id FROM pgqueue.claim_batch(worker_id => 'w2')), 'resume-empty', 'and claimable once a task arrives');

-- Bad arguments
SELECT pg_temp.row_counts() AS counts_before \gset
SELECT throws_ok($$SELECT pgqueue.resume_batch(NULL)$$, 'PQ002', NULL, 'a null batch id raises PQ002');
SELECT throws_ok($$SELECT pgqueue.resume_batch('')$$, 'PQ002', NULL, 'an empty batch id raises PQ002');
SELECT throws_ok(format('SELECT pgqueue.resume_batch(%L)', repeat('r', 65)), 'PQ002', NULL, 'a 65-character batch id raises PQ002');
SELECT throws_ok($$SELECT pgqueue.resume_batch('resume;a')$$, 'PQ002', NULL, 'a bad character in the batch id raises PQ002');
SELECT is(pg_temp.row_counts(), :'counts_before', 'the rejected calls wrote nothing');

SELECT * FROM finish();
ROLLBACK;
