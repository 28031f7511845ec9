-- enqueue: ids ascend, the batch is created, dedup_key returns the pending task's id, run_after delays the head,
-- max_attempts defaults to the setting, and every bad argument raises its SQLSTATE without writing anything.
\set VERBOSITY terse
BEGIN;
SELECT plan(38);

CREATE FUNCTION pg_temp.row_counts() RETURNS text LANGUAGE sql AS $$
  SELECT format('tasks=%s batches=%s dead_tasks=%s', (SELECT count(*) FROM pgqueue.tasks),
                (SELECT count(*) FROM pgqueue.batches), (SELECT count(*) FROM pgqueue.dead_tasks))
$$;

SELECT is(pg_temp.row_counts(), 'tasks=0 batches=0 dead_tasks=0', 'the test database starts with an empty queue');

-- Ids and the batch row
SELECT pgqueue.enqueue(batch_id => 'enq-a', payload => '{"n":1}', task_type => 'mail') AS first_id \gset
SELECT pgqueue.enqueue(batch_id => 'enq-a', payload => '{"n":2}') AS second_id \gset
SELECT pgqueue.enqueue(batch_id => 'enq-a') AS third_id \gset
SELECT ok(:first_id < :second_id AND :second_id < :third_id, 'ids ascend in enqueue order');
SELECT is((SELECT count(*) FROM pgqueue.batches WHERE batch_id = 'enq-a'), 1::bigint,
          'the first enqueue creates the batch row, later ones reuse it');
SELECT results_eq(
  $$SELECT task_id, task_type, payload, attempts FROM pgqueue.pending_tasks WHERE batch_id = 'enq-a' ORDER BY task_id$$,
  format($$VALUES (%s::bigint, 'mail'::text, '{"n":1}'::jsonb, 0), (%s, NULL, '{"n":2}', 0), (%s, NULL, '{}', 0)$$,
         :first_id, :second_id, :third_id),
  'tasks are stored with their payload and type, attempts 0, payload defaulting to {}');
SELECT is((SELECT state FROM pgqueue.batch_status WHERE batch_id = 'enq-a'), 'runnable',
          'a new batch with a due head is runnable');

-- max_attempts: the setting unless given
SELECT is((SELECT max_attempts FROM pgqueue.pending_tasks WHERE task_id = :first_id),
          (SELECT max_attempts FROM pgqueue.settings), 'max_attempts defaults to the setting');
SELECT is((SELECT max_attempts FROM pgqueue.settings), 5, 'the shipped max_attempts setting is 5');
UPDATE pgqueue.settings SET max_attempts = 7;
SELECT pgqueue.enqueue(batch_id => 'enq-a') AS seven_id \gset
SELECT is((SELECT max_attempts FROM pgqueue.pending_tasks WHERE task_id = :seven_id), 7,
          'a changed setting applies to the next enqueue without a deploy');
SELECT pgqueue.enqueue(batch_id => 'enq-a', max_attempts => 2) AS two_id \gset
SELECT is((SELECT max_attempts FROM pgqueue.pending_tasks WHERE task_id = :two_id), 2,
          'an explicit max_attempts wins over the setting');
UPDATE pgqueue.settings SET max_attempts = DEFAULT;

-- Dedup
SELECT pgqueue.enqueue(batch_id => 'enq-dedup', payload => '{"v":1}', dedup_key => 'k1') AS dedup_id \gset
SELECT is(pgqueue.enqueue(batch_id => 'enq-dedup', payload => '{"v":2}', dedup_key => 'k1'), :dedup_id::bigint,
          'a second enqueue of a pending dedup_key returns the first task''s id');
SELECT is((SELECT count(*) FROM pgqueue.tasks WHERE batch_id = 'enq-dedup'), 1::bigint,
          '... and inserts nothing');
SELECT is((SELECT payload FROM pgqueue.pending_tasks WHERE task_id = :dedup_id), '{"v":1}'::jsonb,
          '... and leaves the first task''s payload as it was');
SELECT isnt(pgqueue.enqueue(batch_id => 'enq-other', dedup_key => 'k1'), :dedup_id::bigint,
            'the same dedup_key in another batch is another task');
SELECT pgqueue.enqueue(batch_id => 'enq-dedup', dedup_key => 'k2') AS k2_id \gset
SELECT ok(:k2_id > :dedup_id, 'another dedup_key in the same batch is a new task');

SELECT lease_token AS dedup_token FROM pgqueue.claim_batch(worker_id => 'w', preferred_batch_id => 'enq-dedup') \gset
SELECT is((SELECT task_id FROM pgqueue.dequeue_task(batch_id => 'enq-dedup', lease_token => :dedup_token)),
          :dedup_id::bigint, 'the dedup task is dequeued');
SELECT pgqueue.complete_task(task_id => :dedup_id, lease_token => :dedup_token) AS completed \gset
SELECT pgqueue.enqueue(batch_id => 'enq-dedup', dedup_key => 'k1') AS dedup_again_id \gset
SELECT ok(:dedup_again_id > :dedup_id, 'after the first task completed, the same dedup_key enqueues a new task');

-- run_after
SELECT pgqueue.enqueue(batch_id => 'enq-delayed', run_after => clock_timestamp() + interval '1 hour') AS delayed_id \gset
SELECT pgqueue.enqueue(batch_id => 'enq-delayed') AS behind_delayed_id \gset
SELECT is((SELECT state FROM pgqueue.batch_status WHERE batch_id = 'enq-delayed'), 'head delayed',
          'a head with run_after in the future delays its batch');
SELECT count(pgqueue.pause_batch(batch_id => b)) AS paused FROM unnest(ARRAY['enq-a', 'enq-dedup', 'enq-other']) AS b \gset
SELECT is_empty($$SELECT * FROM pgqueue.claim_batch(worker_id => 'w', preferred_batch_id => 'enq-delayed')$$,
                'a delayed head is not claimable, even with a due task behind it');
SELECT pgqueue.enqueue(batch_id => 'enq-past', run_after => clock_timestamp() - interval '1 minute') AS past_id \gset
SELECT is((SELECT batch_id FROM pgqueue.claim_batch(worker_id => 'w')), 'enq-past',
          'a run_after in the past is due at once');

-- Boundaries that are valid
SELECT lives_ok($$SELECT pgqueue.enqueue(batch_id => repeat('b', 64))$$, 'a 64-character batch id is valid');
SELECT lives_ok($$SELECT pgqueue.enqueue(batch_id => 'Az09._:-')$$, 'A-Z a-z 0-9 . _ : - are valid in a batch id');
UPDATE pgqueue.settings SET payload_limit_bytes = 100;
SELECT lives_ok(format('SELECT pgqueue.enqueue(batch_id => %L, payload => %L)', 'enq-limit',
                       jsonb_build_object('s', repeat('x', 91))),
                'a payload of exactly payload_limit_bytes is accepted');

-- Bad arguments: their SQLSTATE, and nothing written
SELECT pg_temp.row_counts() AS counts_before \gset
SELECT throws_ok($$SELECT pgqueue.enqueue(batch_id => NULL)$$, 'PQ002', NULL, 'a null batch id raises PQ002');
SELECT throws_ok($$SELECT pgqueue.enqueue(batch_id => '')$$, 'PQ002', NULL, 'an empty batch id raises PQ002');
SELECT throws_ok(format('SELECT pgqueue.enqueue(batch_id => %L)', repeat('b', 65)), 'PQ002', NULL,
                 'a 65-character batch id raises PQ002');
SELECT throws_ok($$SELECT pgqueue.enqueue(batch_id => 'a b')$$, 'PQ002', NULL, 'a space in a batch id raises PQ002');
SELECT throws_ok($$SELECT pgqueue.enqueue(batch_id => 'a/b')$$, 'PQ002', NULL, 'a slash in a batch id raises PQ002');
SELECT throws_ok($$SELECT pgqueue.enqueue(batch_id => 'a''b')$$, 'PQ002', NULL, 'a quote in a batch id raises PQ002');
SELECT throws_ok($$SELECT pgqueue.enqueue(batch_id => E'a\nb')$$, 'PQ002', NULL, 'a newline in a batch id raises PQ002');
SELECT throws_ok($$SELECT pgqueue.enqueue(batch_id => 'bätch')$$, 'PQ002', NULL, 'a non-ASCII letter in a batch id raises PQ002');
SELECT throws_like($$SELECT pgqueue.enqueue(batch_id => 'a b')$$, '%''a b''%', 'the PQ002 message names the bad batch id');
SELECT throws_ok($$SELECT pgqueue.enqueue(batch_id => NULL, payload => NULL)$$, 'PQ002', NULL,
                 'the batch id is checked first');
SELECT throws_ok($$SELECT pgqueue.enqueue(batch_id => 'enq-a', payload => NULL)$$, 'PQ004', NULL,
                 'a null payload raises PQ004');
SELECT throws_ok(format('SELECT pgqueue.enqueue(batch_id => %L, payload => %L)', 'enq-a',
                        jsonb_build_object('s', repeat('x', 100))),
                 'PQ004', NULL, 'a payload over payload_limit_bytes raises PQ004');
SELECT throws_ok($$SELECT pgqueue.enqueue(batch_id => 'enq-a', task_type => '')$$, 'PQ004', NULL,
                 'an empty task_type raises PQ004');
SELECT throws_ok($$SELECT pgqueue.enqueue(batch_id => 'enq-a', dedup_key => '')$$, 'PQ004', NULL,
                 'an empty dedup_key raises PQ004');
SELECT throws_ok($$SELECT pgqueue.enqueue(batch_id => 'enq-a', max_attempts => 0)$$, 'PQ004', NULL,
                 'max_attempts 0 raises PQ004');
SELECT is(pg_temp.row_counts(), :'counts_before', 'the rejected enqueues wrote nothing');

SELECT * FROM finish();
ROLLBACK;
