-- The views: batch_status says per batch what is pending, dead, who holds it and why it is not moving (paused,
-- leased, head delayed, empty, or runnable); queue_stats totals it; pending_tasks and failed_tasks list tasks
-- with attempts and last error.
\set VERBOSITY terse
BEGIN;
SELECT plan(16);

SELECT is((SELECT count(*) FROM pgqueue.batches), 0::bigint, 'the test database starts with an empty queue');

SELECT bag_has($$SELECT column_name::text FROM information_schema.columns WHERE table_schema = 'pgqueue' AND table_name = 'batch_status'$$,
               $$VALUES ('batch_id'), ('pending'), ('runnable'), ('oldest_pending_age'), ('owner'), ('lease_expires_at'),
                        ('paused'), ('dead'), ('state')$$,
               'batch_status has the columns DESIGN.md lists');
SELECT bag_has($$SELECT column_name::text FROM information_schema.columns WHERE table_schema = 'pgqueue' AND table_name = 'queue_stats'$$,
               $$VALUES ('batches'), ('pending'), ('leased_batches'), ('paused_batches'), ('claimable_batches'), ('dead'),
                        ('oldest_pending_age')$$,
               'queue_stats has its totals');
SELECT bag_has($$SELECT column_name::text FROM information_schema.columns WHERE table_schema = 'pgqueue' AND table_name = 'pending_tasks'$$,
               $$VALUES ('task_id'), ('batch_id'), ('task_type'), ('payload'), ('attempts'), ('max_attempts'), ('enqueued_at'),
                        ('run_after'), ('last_error')$$,
               'pending_tasks shows payload, attempts and last error');
SELECT bag_has($$SELECT column_name::text FROM information_schema.columns WHERE table_schema = 'pgqueue' AND table_name = 'failed_tasks'$$,
               $$VALUES ('task_id'), ('batch_id'), ('task_type'), ('payload'), ('attempts'), ('max_attempts'), ('enqueued_at'),
                        ('failed_at'), ('last_error')$$,
               'failed_tasks shows payload, attempts and last error');

-- One batch in every state
SELECT pgqueue.enqueue(batch_id => 'v-runnable', payload => '{"n":1}') AS r1 \gset
SELECT pgqueue.enqueue(batch_id => 'v-runnable', payload => '{"n":2}') AS r2 \gset
SELECT pgqueue.pause_batch('v-paused') AS paused \gset
SELECT pgqueue.enqueue(batch_id => 'v-paused') AS p1 \gset
SELECT pgqueue.enqueue(batch_id => 'v-leased') AS l1 \gset
SELECT lease_token AS l_token FROM pgqueue.claim_batch(worker_id => 'w-view', preferred_batch_id => 'v-leased') \gset
SELECT pgqueue.enqueue(batch_id => 'v-delayed', run_after => clock_timestamp() + interval '1 hour') AS d1 \gset
SELECT pgqueue.enqueue(batch_id => 'v-empty', max_attempts => 1) AS e1 \gset
SELECT lease_token AS e_token FROM pgqueue.claim_batch(worker_id => 'w-view', preferred_batch_id => 'v-empty') \gset
SELECT pgqueue.fail_task(:e1, :e_token, 'it broke') AS failed \gset
SELECT pgqueue.release_batch('v-empty', :e_token) AS released \gset
SELECT pgqueue.enqueue(batch_id => 'v-expired') AS x1 \gset
SELECT lease_token AS x_token FROM pgqueue.claim_batch('w-gone', 'v-expired', '1 millisecond') \gset
SELECT pg_sleep(0.01) AS slept \gset

SELECT results_eq(
  $$SELECT batch_id, state, runnable, pending, dead, paused, owner, lease_expires_at IS NOT NULL
      FROM pgqueue.batch_status ORDER BY batch_id$$,
  $$VALUES ('v-delayed'::text, 'head delayed'::text, false, 1::bigint, 0::bigint, false, NULL::text, false),
           ('v-empty', 'empty', false, 0, 1, false, NULL, false),
           ('v-expired', 'runnable', true, 1, 0, false, NULL, false),
           ('v-leased', 'leased', false, 1, 0, false, 'w-view', true),
           ('v-paused', 'paused', false, 1, 0, true, NULL, false),
           ('v-runnable', 'runnable', true, 2, 0, false, NULL, false)$$,
  'batch_status: state, counts, and the owner of live leases only');
SELECT results_eq(
  $$SELECT head_task_id, head_attempts, oldest_pending_age >= interval '0' FROM pgqueue.batch_status WHERE batch_id = 'v-runnable'$$,
  format('VALUES (%s::bigint, 0, true)', :r1), 'batch_status shows the head task and the oldest pending age');
SELECT is((SELECT oldest_pending_age FROM pgqueue.batch_status WHERE batch_id = 'v-empty'), NULL, 'an empty batch has no pending age');

SELECT results_eq(
  $$SELECT batches, pending, leased_batches, paused_batches, claimable_batches, dead, oldest_pending_age >= interval '0'
      FROM pgqueue.queue_stats$$,
  $$VALUES (6::bigint, 6::bigint, 1::bigint, 1::bigint, 2::bigint, 1::bigint, true)$$,
  'queue_stats: 6 batches, 6 pending, 1 leased, 1 paused, 2 claimable (runnable and expired), 1 dead');

SELECT is((SELECT count(*) FROM pgqueue.pending_tasks), 6::bigint, 'pending_tasks: one row per pending task');
SELECT results_eq(format('SELECT batch_id, payload, attempts, last_error FROM pgqueue.pending_tasks WHERE task_id = %s', :r2),
                  $$VALUES ('v-runnable'::text, '{"n":2}'::jsonb, 0, NULL::text)$$, '... with its payload and attempts');
SELECT results_eq(format('SELECT task_id, batch_id, attempts, max_attempts, last_error, failed_at IS NOT NULL FROM pgqueue.failed_tasks'),
                  format($$VALUES (%s::bigint, 'v-empty'::text, 1, 1, 'it broke'::text, true)$$, :e1),
                  'failed_tasks: one row per dead task, with attempts and last error');

-- The views follow the queue
SELECT is((SELECT batch_id FROM pgqueue.claim_batch('w-new')), 'v-expired', 'the expired batch is taken over');
SELECT results_eq($$SELECT state, owner, head_attempts FROM pgqueue.batch_status WHERE batch_id = 'v-expired'$$,
                  $$VALUES ('leased'::text, 'w-new'::text, 1)$$, 'batch_status shows the new owner and the charged attempt');
SELECT is((SELECT last_error FROM pgqueue.pending_tasks WHERE task_id = :x1) LIKE '%presumed dead%', true,
          'pending_tasks shows why the attempt was charged');
SELECT is((SELECT claimable_batches FROM pgqueue.queue_stats), 1::bigint, 'one claimable batch is left');

SELECT * FROM finish();
ROLLBACK;
