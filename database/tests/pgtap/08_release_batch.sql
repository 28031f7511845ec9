-- release_batch: gives a held lease back (true) so the batch is claimable again; false when the lease is not
-- held (released already, wrong token, taken over, expired — an expired one is cleared without a charge); bad
-- arguments raise their SQLSTATE without writing anything.
\set VERBOSITY terse
BEGIN;
SELECT plan(25);

CREATE FUNCTION pg_temp.row_counts() RETURNS text LANGUAGE sql AS $$
  SELECT format('tasks=%s batches=%s dead_tasks=%s leases=%s', (SELECT count(*) FROM pgqueue.tasks),
                (SELECT count(*) FROM pgqueue.batches), (SELECT count(*) FROM pgqueue.dead_tasks),
                (SELECT count(*) FROM pgqueue.batches WHERE lease_token IS NOT NULL))
$$;

SELECT is(pg_temp.row_counts(), 'tasks=0 batches=0 dead_tasks=0 leases=0', 'the test database starts with an empty queue');

SELECT pgqueue.enqueue(batch_id => 'rel-a') AS t1 \gset
SELECT lease_token AS token FROM pgqueue.claim_batch(worker_id => 'w1', preferred_batch_id => 'rel-a') \gset
SELECT is(pgqueue.release_batch(batch_id => 'rel-a', lease_token => :token), true, 'releasing a held lease returns true');
SELECT results_eq($$SELECT state, owner FROM pgqueue.batch_status WHERE batch_id = 'rel-a'$$,
                  $$VALUES ('runnable'::text, NULL::text)$$, 'the batch is free and runnable again');
SELECT is(pgqueue.release_batch(batch_id => 'rel-a', lease_token => :token), false, 'releasing it again returns false');
SELECT lease_token AS token2 FROM pgqueue.claim_batch(worker_id => 'w2') \gset
SELECT ok(:token2 > :token, 'another worker claims the released batch under a new token');
SELECT is(pgqueue.release_batch(batch_id => 'rel-a', lease_token => :token), false, 'the old token releases nothing ...');
SELECT is((SELECT lease_token FROM pgqueue.batches WHERE batch_id = 'rel-a'), :token2::bigint, '... and the new lease stays');
SELECT is(pgqueue.release_batch(batch_id => 'rel-a', lease_token => :token2 + 1000000), false, 'a wrong token returns false');
SELECT is(pgqueue.release_batch(batch_id => 'rel-unknown', lease_token => :token2), false, 'an unknown batch returns false');

-- An expired lease, not yet taken over: cleared, false, no charge
SELECT pgqueue.renew_lease(batch_id => 'rel-a', lease_token => :token2, lease => '1 millisecond') AS short_expiry \gset
SELECT pg_sleep(0.01) AS slept \gset
SELECT is(pgqueue.release_batch(batch_id => 'rel-a', lease_token => :token2), false, 'releasing an expired lease returns false');
SELECT is((SELECT lease_token FROM pgqueue.batches WHERE batch_id = 'rel-a'), NULL, '... but clears it');
SELECT is((SELECT attempts FROM pgqueue.pending_tasks WHERE task_id = :t1), 0, '... without charging the head: its owner is alive');
SELECT is(pgqueue.reap_stale_locks(), 0, '... so the reaper has nothing to charge');

-- What a release leaves behind
SELECT lease_token AS token3 FROM pgqueue.claim_batch(worker_id => 'w3', preferred_batch_id => 'rel-a') \gset
SELECT is((SELECT task_id FROM pgqueue.dequeue_task('rel-a', :token3)), :t1::bigint, 'the head is dequeued');
SELECT pgqueue.complete_task(task_id => :t1, lease_token => :token3) AS completed \gset
SELECT ok(pgqueue.release_batch(batch_id => 'rel-a', lease_token => :token3), 'the drained batch is released');
SELECT is((SELECT state FROM pgqueue.batch_status WHERE batch_id = 'rel-a'), 'empty', 'it is empty');
SELECT is_empty($$SELECT * FROM pgqueue.claim_batch(worker_id => 'w1')$$, 'and not claimable');

SELECT pgqueue.enqueue(batch_id => 'rel-b') AS b1 \gset
SELECT lease_token AS b_token FROM pgqueue.claim_batch(worker_id => 'w1', preferred_batch_id => 'rel-b') \gset
SELECT pgqueue.fail_task(task_id => :b1, lease_token => :b_token, error => 'later', retry_after => '1 hour') AS failed \gset
SELECT ok(pgqueue.release_batch(batch_id => 'rel-b', lease_token => :b_token), 'a batch with a delayed head is released');
SELECT results_eq($$SELECT state, runnable FROM pgqueue.batch_status WHERE batch_id = 'rel-b'$$,
                  $$VALUES ('head delayed'::text, false)$$, 'it waits for its head');
SELECT is_empty($$SELECT * FROM pgqueue.claim_batch(worker_id => 'w1')$$, 'and is not claimable before run_after');

-- Bad arguments
SELECT pg_temp.row_counts() AS counts_before \gset
SELECT throws_ok(format('SELECT pgqueue.release_batch(NULL, %s)', :token), 'PQ002', NULL, 'a null batch id raises PQ002');
SELECT throws_ok(format('SELECT pgqueue.release_batch(%L, %s)', repeat('r', 65), :token), 'PQ002', NULL, 'a 65-character batch id raises PQ002');
SELECT throws_ok(format('SELECT pgqueue.release_batch(%L, %s)', 'rel a', :token), 'PQ002', NULL, 'a bad character in the batch id raises PQ002');
SELECT throws_ok($$SELECT pgqueue.release_batch('rel-a', NULL)$$, 'PQ004', NULL, 'a null token raises PQ004');
SELECT is(pg_temp.row_counts(), :'counts_before', 'the rejected calls wrote nothing');

SELECT * FROM finish();
ROLLBACK;
