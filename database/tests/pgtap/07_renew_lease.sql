-- renew_lease: the heartbeat extends a live lease (the setting, or the lease argument) and returns the new expiry;
-- an expired lease is lost at once and cannot be renewed (PQ001), nor can a wrong or superseded token; bad
-- arguments raise their SQLSTATE without writing anything.
\set VERBOSITY terse
BEGIN;
SELECT plan(22);

CREATE FUNCTION pg_temp.row_counts() RETURNS text LANGUAGE sql AS $$
  SELECT format('tasks=%s batches=%s dead_tasks=%s leases=%s', (SELECT count(*) FROM pgqueue.tasks),
                (SELECT count(*) FROM pgqueue.batches), (SELECT count(*) FROM pgqueue.dead_tasks),
                (SELECT string_agg(batch_id || ':' || lease_token || '@' || lease_expires_at, ',' ORDER BY batch_id)
                   FROM pgqueue.batches WHERE lease_token IS NOT NULL))
$$;

SELECT is(pg_temp.row_counts(), 'tasks=0 batches=0 dead_tasks=0 leases=', 'the test database starts with an empty queue');

SELECT pgqueue.enqueue(batch_id => 'renew-a') AS t1 \gset
SELECT lease_token AS token, lease_expires_at AS first_expiry
  FROM pgqueue.claim_batch(worker_id => 'w1', preferred_batch_id => 'renew-a', lease => '1 minute') \gset
SELECT is((SELECT task_id FROM pgqueue.dequeue_task('renew-a', :token)), :t1::bigint, 'a task is in flight');

SELECT pgqueue.renew_lease(batch_id => 'renew-a', lease_token => :token) AS renewed \gset
SELECT ok(:'renewed'::timestamptz > :'first_expiry'::timestamptz, 'renewing extends the lease');
SELECT ok(:'renewed'::timestamptz BETWEEN clock_timestamp() + interval '4 minutes 50 seconds'
                                      AND clock_timestamp() + interval '5 minutes',
          'to now + the 5-minute setting when no lease is given');
SELECT is((SELECT lease_expires_at FROM pgqueue.batches WHERE batch_id = 'renew-a'), :'renewed'::timestamptz,
          'the returned expiry is the stored one');
SELECT ok(pgqueue.renew_lease(batch_id => 'renew-a', lease_token => :token, lease => '1 hour')
            BETWEEN clock_timestamp() + interval '59 minutes' AND clock_timestamp() + interval '1 hour',
          'the lease argument sets the new length');
SELECT is((SELECT lease_token FROM pgqueue.batches WHERE batch_id = 'renew-a'), :token::bigint, 'the token stays the same');
SELECT lives_ok(format('SELECT pgqueue.complete_task(%s, %s)', :t1, :token), 'the in-flight task completes under the renewed lease');

SELECT pgqueue.enqueue(batch_id => 'renew-b') AS b1 \gset
SELECT lease_token AS b_token FROM pgqueue.claim_batch(worker_id => 'w1', preferred_batch_id => 'renew-b') \gset
SELECT throws_ok(format('SELECT pgqueue.renew_lease(%L, %s)', 'renew-a', :token + 1000000), 'PQ001', NULL, 'a wrong token raises PQ001');
SELECT throws_ok(format('SELECT pgqueue.renew_lease(%L, %s)', 'renew-a', :b_token), 'PQ001', NULL, 'another batch''s token raises PQ001');
SELECT throws_ok(format('SELECT pgqueue.renew_lease(%L, %s)', 'renew-unknown', :token), 'PQ001', NULL, 'an unknown batch raises PQ001');

-- Expired: lost at once, not resurrected
SELECT pgqueue.renew_lease(batch_id => 'renew-b', lease_token => :b_token, lease => '1 millisecond') AS short_expiry \gset
SELECT pg_sleep(0.01) AS slept \gset
SELECT throws_ok(format('SELECT pgqueue.renew_lease(%L, %s)', 'renew-b', :b_token), 'PQ001', NULL,
                 'an expired lease cannot be renewed, even before anyone took the batch');
SELECT is((SELECT lease_expires_at FROM pgqueue.batches WHERE batch_id = 'renew-b'), :'short_expiry'::timestamptz,
          '... and the expiry stays in the past');
SELECT lease_token AS b_new_token FROM pgqueue.claim_batch(worker_id => 'w2', preferred_batch_id => 'renew-b') \gset
SELECT throws_ok(format('SELECT pgqueue.renew_lease(%L, %s)', 'renew-b', :b_token), 'PQ001', NULL,
                 'after a takeover the old token raises PQ001');
SELECT isnt(pgqueue.renew_lease(batch_id => 'renew-b', lease_token => :b_new_token), NULL, 'the new owner renews');

-- Bad arguments
SELECT pg_temp.row_counts() AS counts_before \gset
SELECT throws_ok(format('SELECT pgqueue.renew_lease(NULL, %s)', :token), 'PQ002', NULL, 'a null batch id raises PQ002');
SELECT throws_ok(format('SELECT pgqueue.renew_lease(%L, %s)', repeat('r', 65), :token), 'PQ002', NULL, 'a 65-character batch id raises PQ002');
SELECT throws_ok(format('SELECT pgqueue.renew_lease(%L, %s)', 'renew a', :token), 'PQ002', NULL, 'a bad character in the batch id raises PQ002');
SELECT throws_ok($$SELECT pgqueue.renew_lease('renew-a', NULL)$$, 'PQ004', NULL, 'a null token raises PQ004');
SELECT throws_ok(format('SELECT pgqueue.renew_lease(%L, %s, %L)', 'renew-a', :token, '0 seconds'), 'PQ004', NULL, 'a zero lease raises PQ004');
SELECT throws_ok(format('SELECT pgqueue.renew_lease(%L, %s, %L)', 'renew-a', :token, '-5 minutes'), 'PQ004', NULL, 'a negative lease raises PQ004');
SELECT is(pg_temp.row_counts(), :'counts_before', 'the rejected calls wrote nothing, no lease moved');

SELECT * FROM finish();
ROLLBACK;
