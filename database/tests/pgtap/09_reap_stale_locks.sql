-- reap_stale_locks: clears every expired lease and returns how many, charging one attempt to each head (once per
-- lease: a second reap charges nothing, nor does the claim that follows); a charge reaching max_attempts moves
-- the head to dead_tasks; live leases are left alone; a delayed head is not charged.
\set VERBOSITY terse
BEGIN;
SELECT plan(18);

CREATE FUNCTION pg_temp.row_counts() RETURNS text LANGUAGE sql AS $$
  SELECT format('tasks=%s batches=%s dead_tasks=%s', (SELECT count(*) FROM pgqueue.tasks),
                (SELECT count(*) FROM pgqueue.batches), (SELECT count(*) FROM pgqueue.dead_tasks))
$$;

SELECT is(pg_temp.row_counts(), 'tasks=0 batches=0 dead_tasks=0', 'the test database starts with an empty queue');
SELECT is(pgqueue.reap_stale_locks(), 0, 'no leases: nothing reaped');

SELECT pgqueue.enqueue(batch_id => 'reap-a') AS a1 \gset
SELECT pgqueue.enqueue(batch_id => 'reap-a') AS a2 \gset
SELECT pgqueue.enqueue(batch_id => 'reap-poison', max_attempts => 1) AS p1 \gset
SELECT pgqueue.enqueue(batch_id => 'reap-delayed') AS d1 \gset
SELECT pgqueue.enqueue(batch_id => 'reap-live') AS l1 \gset
SELECT lease_token AS a_token FROM pgqueue.claim_batch('w-dead', 'reap-a', '1 millisecond') \gset
SELECT lease_token AS p_token FROM pgqueue.claim_batch('w-dead', 'reap-poison', '1 millisecond') \gset
SELECT lease_token AS d_token FROM pgqueue.claim_batch('w-dead', 'reap-delayed', '1 hour') \gset
SELECT pgqueue.fail_task(task_id => :d1, lease_token => :d_token, error => 'later', retry_after => '1 hour') AS failed \gset
SELECT pgqueue.renew_lease('reap-delayed', :d_token, '1 millisecond') AS renewed \gset
SELECT lease_token AS l_token FROM pgqueue.claim_batch('w-live', 'reap-live', '1 hour') \gset
SELECT pg_sleep(0.01) AS slept \gset

SELECT is(pgqueue.reap_stale_locks(), 3, 'three expired leases are cleared');
SELECT is((SELECT count(*) FROM pgqueue.batches WHERE lease_token IS NOT NULL), 1::bigint, 'the live lease is left alone ...');
SELECT is((SELECT lease_token FROM pgqueue.batches WHERE batch_id = 'reap-live'), :l_token::bigint, '... with its token');
SELECT results_eq($$SELECT task_id, attempts FROM pgqueue.pending_tasks WHERE batch_id = 'reap-a' ORDER BY task_id$$,
                  format('VALUES (%s::bigint, 1), (%s, 0)', :a1, :a2), 'the head of an expired lease is charged one attempt');
SELECT results_eq($$SELECT task_id, attempts FROM pgqueue.failed_tasks WHERE batch_id = 'reap-poison'$$,
                  format('VALUES (%s::bigint, 1)', :p1), 'a charge reaching max_attempts moves the head to dead_tasks');
SELECT is((SELECT state FROM pgqueue.batch_status WHERE batch_id = 'reap-poison'), 'empty', '... and its batch is empty');
SELECT is((SELECT attempts FROM pgqueue.pending_tasks WHERE task_id = :d1), 1,
          'a head waiting for run_after was not running: only its fail_task attempt is counted');

SELECT is(pgqueue.reap_stale_locks(), 0, 'a second reap finds nothing');
SELECT is((SELECT sum(attempts) FROM pgqueue.tasks), 2::bigint, '... and charges nothing');
SELECT is((SELECT batch_id FROM pgqueue.claim_batch('w-new')), 'reap-a', 'the reaped batch is claimable');
SELECT is((SELECT attempts FROM pgqueue.pending_tasks WHERE task_id = :a1), 1, 'claiming it after the reap charges nothing more');
SELECT throws_ok(format('SELECT * FROM pgqueue.dequeue_task(%L, %s)', 'reap-a', :a_token), 'PQ001', NULL, 'the reaped token is fenced');
SELECT is(pgqueue.release_batch('reap-poison', :p_token), false, 'a reaped lease is no longer held');

-- A lease that expired after its batch was drained
SELECT pgqueue.enqueue(batch_id => 'reap-drained') AS r1 \gset
SELECT lease_token AS r_token FROM pgqueue.claim_batch('w-dead', 'reap-drained', '1 hour') \gset
SELECT pgqueue.complete_task(:r1, :r_token) AS completed \gset
SELECT pgqueue.renew_lease('reap-drained', :r_token, '1 millisecond') AS renewed \gset
SELECT pg_sleep(0.01) AS slept \gset
SELECT is(pgqueue.reap_stale_locks(), 1, 'an expired lease on an empty batch is cleared too');
SELECT is((SELECT dead FROM pgqueue.batch_status WHERE batch_id = 'reap-drained'), 0::bigint, '... without a dead task');
SELECT is((SELECT state FROM pgqueue.batch_status WHERE batch_id = 'reap-drained'), 'empty', '... leaving an empty batch');

SELECT * FROM finish();
ROLLBACK;
