-- claim_batch: zero rows when there is nothing to do; the preferred batch first, else the longest-due head;
-- paused, live-leased and delayed batches are never claimed; an expired lease is taken over and charges one
-- attempt to its head, which moves to dead_tasks at max_attempts; bad arguments raise their SQLSTATE.
\set VERBOSITY terse
BEGIN;
SELECT plan(43);

CREATE FUNCTION pg_temp.row_counts() RETURNS text LANGUAGE sql AS $$
  SELECT format('tasks=%s batches=%s dead_tasks=%s leases=%s', (SELECT count(*) FROM pgqueue.tasks),
                (SELECT count(*) FROM pgqueue.batches), (SELECT count(*) FROM pgqueue.dead_tasks),
                (SELECT count(*) FROM pgqueue.batches WHERE lease_token IS NOT NULL))
$$;

SELECT is(pg_temp.row_counts(), 'tasks=0 batches=0 dead_tasks=0 leases=0', 'the test database starts with an empty queue');
SELECT is_empty($$SELECT * FROM pgqueue.claim_batch(worker_id => 'w1')$$, 'an empty queue: zero rows');

-- Longest-due head first, live leases never claimed twice
-- cl-later's head becomes due a second after it is enqueued, well after the two below (a generous margin: the
-- order must not depend on how fast a busy machine runs the next two statements).
SELECT pgqueue.enqueue(batch_id => 'cl-later', run_after => clock_timestamp() + interval '1 second') AS later_id \gset
SELECT pgqueue.enqueue(batch_id => 'cl-old') AS old_id \gset
SELECT pgqueue.enqueue(batch_id => 'cl-new') AS new_id \gset
SELECT pg_sleep(1.1) AS slept \gset
SELECT batch_id AS first_batch, lease_token AS first_token, lease_expires_at AS first_expiry
  FROM pgqueue.claim_batch(worker_id => 'w1') \gset
SELECT is(:'first_batch'::text, 'cl-old', 'the batch whose head has been due longest goes first');
SELECT ok(:'first_expiry'::timestamptz BETWEEN clock_timestamp() + interval '4 minutes 50 seconds'
                                           AND clock_timestamp() + interval '5 minutes',
          'the lease defaults to the 5-minute setting');
SELECT is((SELECT owner FROM pgqueue.batch_status WHERE batch_id = 'cl-old'), 'w1', 'the lease is the worker''s');
SELECT batch_id AS second_batch, lease_token AS second_token, lease_expires_at AS second_expiry
  FROM pgqueue.claim_batch(worker_id => 'w2', lease => '10 minutes') \gset
SELECT is(:'second_batch'::text, 'cl-new', 'then the next longest-due batch, not the leased one');
SELECT ok(:second_token > :first_token, 'tokens come from one ascending sequence');
SELECT ok(:'second_expiry'::timestamptz BETWEEN clock_timestamp() + interval '9 minutes 50 seconds'
                                            AND clock_timestamp() + interval '10 minutes',
          'the lease argument sets the lease length');
SELECT is((SELECT batch_id FROM pgqueue.claim_batch(worker_id => 'w3')), 'cl-later',
          'a head that became due later comes last, although it was enqueued first');
SELECT is_empty($$SELECT * FROM pgqueue.claim_batch(worker_id => 'w4')$$,
                'every batch holds a live lease: zero rows, no batch is claimed twice');
SELECT is_empty($$SELECT * FROM pgqueue.claim_batch(worker_id => 'w4', preferred_batch_id => 'cl-old')$$,
                'a live lease is not claimed even as the preferred batch');

-- The preferred batch
SELECT ok(pgqueue.release_batch(batch_id => 'cl-old', lease_token => :first_token), 'cl-old released');
SELECT ok(pgqueue.release_batch(batch_id => 'cl-new', lease_token => :second_token), 'cl-new released');
SELECT is((SELECT batch_id FROM pgqueue.claim_batch(worker_id => 'w1', preferred_batch_id => 'cl-new')), 'cl-new',
          'the preferred batch comes first when it is claimable');
SELECT is((SELECT batch_id FROM pgqueue.claim_batch(worker_id => 'w1', preferred_batch_id => 'cl-new')), 'cl-old',
          'a preferred batch that is not claimable falls back to the longest-due head');
SELECT is_empty($$SELECT * FROM pgqueue.claim_batch(worker_id => 'w1', preferred_batch_id => 'cl-unknown')$$,
                'an unknown preferred batch falls back too (here: nothing left)');

-- Paused batches
SELECT pgqueue.pause_batch(batch_id => 'cl-paused') AS paused \gset
SELECT pgqueue.enqueue(batch_id => 'cl-paused') AS paused_task_id \gset
SELECT is_empty($$SELECT * FROM pgqueue.claim_batch(worker_id => 'w1')$$, 'a paused batch is never claimed');
SELECT is_empty($$SELECT * FROM pgqueue.claim_batch(worker_id => 'w1', preferred_batch_id => 'cl-paused')$$,
                '... not even as the preferred batch');
SELECT pgqueue.resume_batch(batch_id => 'cl-paused') AS resumed \gset
SELECT is((SELECT batch_id FROM pgqueue.claim_batch(worker_id => 'w1')), 'cl-paused', 'once resumed it is claimed');

-- Delayed heads and empty batches
SELECT pgqueue.enqueue(batch_id => 'cl-delayed', run_after => clock_timestamp() + interval '1 hour') AS delayed_id \gset
SELECT is_empty($$SELECT * FROM pgqueue.claim_batch(worker_id => 'w1', preferred_batch_id => 'cl-delayed')$$,
                'a head waiting for run_after is not claimable');
SELECT pgqueue.enqueue(batch_id => 'cl-drained') AS drained_id \gset
SELECT lease_token AS drained_token FROM pgqueue.claim_batch(worker_id => 'w1', preferred_batch_id => 'cl-drained') \gset
SELECT is((SELECT task_id FROM pgqueue.dequeue_task(batch_id => 'cl-drained', lease_token => :drained_token)),
          :drained_id::bigint, 'cl-drained: its task is dequeued');
SELECT pgqueue.complete_task(task_id => :drained_id, lease_token => :drained_token) AS completed \gset
SELECT ok(pgqueue.release_batch(batch_id => 'cl-drained', lease_token => :drained_token), 'cl-drained released empty');
SELECT is_empty($$SELECT * FROM pgqueue.claim_batch(worker_id => 'w1')$$, 'an empty batch is not claimed');

-- Takeover of an expired lease
SELECT pgqueue.enqueue(batch_id => 'cl-takeover', payload => '{"n":1}') AS take_head_id \gset
SELECT pgqueue.enqueue(batch_id => 'cl-takeover', payload => '{"n":2}') AS take_next_id \gset
SELECT lease_token AS lost_token
  FROM pgqueue.claim_batch(worker_id => 'w-dead', preferred_batch_id => 'cl-takeover', lease => '1 millisecond') \gset
SELECT pg_sleep(0.01) AS slept \gset
SELECT batch_id AS taken_batch, lease_token AS taken_token FROM pgqueue.claim_batch(worker_id => 'w-new') \gset
SELECT is(:'taken_batch'::text, 'cl-takeover', 'an expired lease counts as free: the batch is taken over');
SELECT isnt(:taken_token::bigint, :lost_token::bigint, 'under a new token');
SELECT results_eq(
  format('SELECT task_id, attempts FROM pgqueue.pending_tasks WHERE batch_id = %L ORDER BY task_id', 'cl-takeover'),
  format('VALUES (%s::bigint, 1), (%s, 0)', :take_head_id, :take_next_id),
  'the takeover charged one attempt to the head, and only to the head');
SELECT matches((SELECT last_error FROM pgqueue.pending_tasks WHERE task_id = :take_head_id), 'presumed dead',
               'the charge is recorded as the head''s last error');
SELECT throws_ok(format('SELECT * FROM pgqueue.dequeue_task(%L, %s)', 'cl-takeover', :lost_token), 'PQ001', NULL,
                 'the old token is fenced');
SELECT is(pgqueue.reap_stale_locks(), 0, 'the takeover cleared the lease: nothing left to reap');

-- A takeover that reaches max_attempts moves the head to dead_tasks
SELECT pgqueue.enqueue(batch_id => 'cl-poison', max_attempts => 1) AS poison_id \gset
SELECT pgqueue.enqueue(batch_id => 'cl-poison') AS after_poison_id \gset
SELECT lease_token AS poison_token
  FROM pgqueue.claim_batch(worker_id => 'w-dead', preferred_batch_id => 'cl-poison', lease => '1 millisecond') \gset
SELECT pg_sleep(0.01) AS slept \gset
SELECT is((SELECT batch_id FROM pgqueue.claim_batch(worker_id => 'w-new')), 'cl-poison',
          'cl-poison is taken over');
SELECT results_eq(format('SELECT task_id, attempts FROM pgqueue.failed_tasks WHERE batch_id = %L', 'cl-poison'),
                  format('VALUES (%s::bigint, 1)', :poison_id),
                  'its head reached max_attempts 1 on takeover and moved to dead_tasks');
SELECT results_eq(format('SELECT task_id, attempts FROM pgqueue.pending_tasks WHERE batch_id = %L', 'cl-poison'),
                  format('VALUES (%s::bigint, 0)', :after_poison_id),
                  'the batch goes on with the next task, uncharged');

SELECT pgqueue.enqueue(batch_id => 'cl-alone', max_attempts => 2) AS alone_id \gset
SELECT lease_token AS alone_token
  FROM pgqueue.claim_batch(worker_id => 'w-dead', preferred_batch_id => 'cl-alone', lease => '1 millisecond') \gset
SELECT pg_sleep(0.01) AS slept \gset
SELECT lease_token AS alone_token
  FROM pgqueue.claim_batch(worker_id => 'w-dead', preferred_batch_id => 'cl-alone', lease => '1 millisecond') \gset
SELECT pg_sleep(0.01) AS slept \gset
SELECT is((SELECT attempts FROM pgqueue.pending_tasks WHERE task_id = :alone_id), 1, 'cl-alone: one takeover, one charge');
SELECT is_empty($$SELECT * FROM pgqueue.claim_batch(worker_id => 'w-new')$$,
                'the second takeover moved its only task to dead_tasks: nothing to claim');
SELECT is((SELECT attempts FROM pgqueue.failed_tasks WHERE task_id = :alone_id), 2, 'dead after max_attempts 2 charges');

-- Bad arguments
SELECT pgqueue.enqueue(batch_id => 'cl-free') AS free_id \gset
SELECT pg_temp.row_counts() AS counts_before \gset
SELECT throws_ok($$SELECT * FROM pgqueue.claim_batch(worker_id => NULL)$$, 'PQ004', NULL, 'a null worker id raises PQ004');
SELECT throws_ok($$SELECT * FROM pgqueue.claim_batch(worker_id => '')$$, 'PQ004', NULL, 'an empty worker id raises PQ004');
SELECT throws_ok($$SELECT * FROM pgqueue.claim_batch(worker_id => 'w1', lease => '0 seconds')$$, 'PQ004', NULL,
                 'a zero lease raises PQ004');
SELECT throws_ok($$SELECT * FROM pgqueue.claim_batch(worker_id => 'w1', lease => '-1 minute')$$, 'PQ004', NULL,
                 'a negative lease raises PQ004');
SELECT throws_ok($$SELECT * FROM pgqueue.claim_batch(worker_id => 'w1', preferred_batch_id => 'a b')$$, 'PQ002', NULL,
                 'a preferred batch id with a bad character raises PQ002');
SELECT throws_ok(format('SELECT * FROM pgqueue.claim_batch(worker_id => %L, preferred_batch_id => %L)', 'w1', repeat('p', 65)),
                 'PQ002', NULL, 'a 65-character preferred batch id raises PQ002');
SELECT throws_ok($$SELECT * FROM pgqueue.claim_batch(worker_id => NULL, preferred_batch_id => 'a b', lease => '0 seconds')$$,
                 'PQ002', NULL, 'the batch id is checked first (DESIGN.md, Errors)');
SELECT is(pg_temp.row_counts(), :'counts_before', 'the rejected claims wrote nothing and took no lease');

SELECT * FROM finish();
ROLLBACK;
