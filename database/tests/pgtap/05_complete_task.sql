-- complete_task: deletes the head task under the live lease; PQ001 once the lease expired or was taken over
-- (fencing), PQ003 for an unknown or already completed task or a task that is not the head; bad arguments raise
-- PQ004 without writing anything.
\set VERBOSITY terse
BEGIN;
SELECT plan(20);

CREATE FUNCTION pg_temp.row_counts() RETURNS text LANGUAGE sql AS $$
  SELECT format('tasks=%s batches=%s dead_tasks=%s', (SELECT count(*) FROM pgqueue.tasks),
                (SELECT count(*) FROM pgqueue.batches), (SELECT count(*) FROM pgqueue.dead_tasks))
$$;

SELECT is(pg_temp.row_counts(), 'tasks=0 batches=0 dead_tasks=0', 'the test database starts with an empty queue');

SELECT pgqueue.enqueue(batch_id => 'cmp-a', payload => '{"n":1}') AS t1 \gset
SELECT pgqueue.enqueue(batch_id => 'cmp-a', payload => '{"n":2}') AS t2 \gset
SELECT lease_token AS token FROM pgqueue.claim_batch(worker_id => 'w1', preferred_batch_id => 'cmp-a') \gset
SELECT is((SELECT task_id FROM pgqueue.dequeue_task(batch_id => 'cmp-a', lease_token => :token)), :t1::bigint, 'the head is dequeued');

SELECT throws_ok(format('SELECT pgqueue.complete_task(%s, %s)', :t2, :token), 'PQ003', NULL,
                 'completing a task that is not the head raises PQ003');
SELECT throws_ok(format('SELECT pgqueue.complete_task(%s, %s)', :t1, :token + 1000000), 'PQ001', NULL,
                 'completing the head with a wrong token raises PQ001');
SELECT lives_ok(format('SELECT pgqueue.complete_task(%s, %s)', :t1, :token), 'the head is completed under its lease');
SELECT is((SELECT count(*) FROM pgqueue.tasks WHERE id = :t1), 0::bigint, '... which deletes it');
SELECT throws_ok(format('SELECT pgqueue.complete_task(%s, %s)', :t1, :token), 'PQ003', NULL,
                 'completing it again raises PQ003: not found');
SELECT throws_ok(format('SELECT pgqueue.complete_task(%s, %s)', :t2 + 1000000, :token), 'PQ003', NULL,
                 'an unknown task raises PQ003');
SELECT throws_like(format('SELECT pgqueue.complete_task(%s, %s)', :t2 + 1000000, :token), format('%%%s%%', :t2 + 1000000),
                   'the PQ003 message names the task');
SELECT isnt(pgqueue.renew_lease(batch_id => 'cmp-a', lease_token => :token), NULL, 'completing leaves the lease held');

-- A task of another batch, with this batch's token
SELECT pgqueue.enqueue(batch_id => 'cmp-b') AS b1 \gset
SELECT throws_ok(format('SELECT pgqueue.complete_task(%s, %s)', :b1, :token), 'PQ001', NULL,
                 'a token of another batch raises PQ001');

-- Fencing: expiry, then takeover
SELECT is((SELECT task_id FROM pgqueue.dequeue_task(batch_id => 'cmp-a', lease_token => :token)), :t2::bigint, 't2 is dequeued');
SELECT isnt(pgqueue.renew_lease(batch_id => 'cmp-a', lease_token => :token, lease => '1 millisecond'), NULL,
            'the lease is shortened to 1 ms');
SELECT pg_sleep(0.01) AS slept \gset
SELECT throws_ok(format('SELECT pgqueue.complete_task(%s, %s)', :t2, :token), 'PQ001', NULL,
                 'once the lease expired, complete_task raises PQ001, even before a takeover');
SELECT lease_token AS new_token FROM pgqueue.claim_batch(worker_id => 'w2', preferred_batch_id => 'cmp-a') \gset
SELECT throws_ok(format('SELECT pgqueue.complete_task(%s, %s)', :t2, :token), 'PQ001', NULL,
                 'after the takeover the old token still raises PQ001');
SELECT is((SELECT count(*) FROM pgqueue.tasks WHERE id = :t2), 1::bigint, 'the fenced task is still pending');
SELECT lives_ok(format('SELECT pgqueue.complete_task(%s, %s)', :t2, :new_token), 'the new owner completes it');

-- Bad arguments
SELECT pg_temp.row_counts() AS counts_before \gset
SELECT throws_ok(format('SELECT pgqueue.complete_task(NULL, %s)', :new_token), 'PQ004', NULL, 'a null task id raises PQ004');
SELECT throws_ok(format('SELECT pgqueue.complete_task(%s, NULL)', :b1), 'PQ004', NULL, 'a null token raises PQ004');
SELECT is(pg_temp.row_counts(), :'counts_before', 'the rejected calls wrote nothing');

SELECT * FROM finish();
ROLLBACK;
