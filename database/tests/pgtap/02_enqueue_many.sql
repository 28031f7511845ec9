-- enqueue_many: tasks take ids in array order in one call, an empty array is a no-op, and bad arguments raise
-- their SQLSTATE without writing anything (not even the tasks before a bad element).
\set VERBOSITY terse
BEGIN;
SELECT plan(20);

CREATE FUNCTION pg_temp.row_counts() RETURNS text LANGUAGE sql AS $$
  SELECT format('tasks=%s batches=%s dead_tasks=%s', (SELECT count(*) FROM pgqueue.tasks),
                (SELECT count(*) FROM pgqueue.batches), (SELECT count(*) FROM pgqueue.dead_tasks))
$$;

SELECT is(pg_temp.row_counts(), 'tasks=0 batches=0 dead_tasks=0', 'the test database starts with an empty queue');

CREATE TEMP TABLE returned AS
SELECT id, ord
  FROM pgqueue.enqueue_many(batch_id => 'many-a', payloads => ARRAY['{"n":1}', '{"n":2}', '{"n":3}']::jsonb[],
                            task_type => 'bulk') WITH ORDINALITY AS r(id, ord);
SELECT is((SELECT count(*) FROM returned), 3::bigint, 'one id per payload');
SELECT ok((SELECT bool_and(id < lead_id) FROM (SELECT id, lead(id) OVER (ORDER BY ord) AS lead_id FROM returned) AS x
            WHERE lead_id IS NOT NULL), 'the ids come back ascending, in array order');
SELECT results_eq(
  $$SELECT (p.payload ->> 'n')::int, p.task_type FROM pgqueue.pending_tasks AS p WHERE p.batch_id = 'many-a' ORDER BY p.task_id$$,
  $$VALUES (1, 'bulk'::text), (2, 'bulk'), (3, 'bulk')$$,
  'array order is id order, so the batch runs the payloads in array order');
SELECT results_eq(
  $$SELECT r.id FROM returned AS r ORDER BY r.ord$$,
  $$SELECT p.task_id FROM pgqueue.pending_tasks AS p WHERE p.batch_id = 'many-a' ORDER BY (p.payload ->> 'n')::int$$,
  'the n-th returned id is the n-th payload''s task');
SELECT is((SELECT count(*) FROM pgqueue.batches WHERE batch_id = 'many-a'), 1::bigint, 'the batch row is created');
SELECT is((SELECT max_attempts FROM pgqueue.pending_tasks WHERE batch_id = 'many-a' LIMIT 1),
          (SELECT max_attempts FROM pgqueue.settings), 'max_attempts is the setting');

SELECT pgqueue.enqueue(batch_id => 'many-a') AS after_id \gset
SELECT ok(:after_id > (SELECT max(id) FROM returned), 'a later enqueue goes behind the whole array');

SELECT is((SELECT count(*) FROM pgqueue.enqueue_many(batch_id => 'many-big',
                                                     payloads => (SELECT array_agg(jsonb_build_object('i', g) ORDER BY g)
                                                                    FROM generate_series(1, 1000) AS g))),
          1000::bigint, 'one call enqueues 1000 tasks');
SELECT ok((SELECT bool_and((payload ->> 'i')::int = rn)
             FROM (SELECT payload, row_number() OVER (ORDER BY task_id) AS rn
                     FROM pgqueue.pending_tasks WHERE batch_id = 'many-big') AS x),
          '... in array order');

SELECT pg_temp.row_counts() AS counts_before \gset
SELECT is_empty($$SELECT * FROM pgqueue.enqueue_many(batch_id => 'many-empty', payloads => '{}'::jsonb[])$$,
                'an empty array returns no ids');
SELECT is(pg_temp.row_counts(), :'counts_before', '... and writes nothing, not even a batch row');

SELECT throws_ok($$SELECT * FROM pgqueue.enqueue_many(batch_id => NULL, payloads => ARRAY['{}']::jsonb[])$$,
                 'PQ002', NULL, 'a null batch id raises PQ002');
SELECT throws_ok(format('SELECT * FROM pgqueue.enqueue_many(batch_id => %L, payloads => ARRAY[''{}'']::jsonb[])',
                        repeat('m', 65)), 'PQ002', NULL, 'a 65-character batch id raises PQ002');
SELECT throws_ok($$SELECT * FROM pgqueue.enqueue_many(batch_id => 'many a', payloads => ARRAY['{}']::jsonb[])$$,
                 'PQ002', NULL, 'a bad character in the batch id raises PQ002');
SELECT throws_ok($$SELECT * FROM pgqueue.enqueue_many(batch_id => 'many-a', payloads => NULL)$$,
                 'PQ004', NULL, 'a null array raises PQ004');
SELECT throws_ok($$SELECT * FROM pgqueue.enqueue_many(batch_id => 'many-a', payloads => ARRAY['{"n":4}', NULL]::jsonb[])$$,
                 'PQ004', NULL, 'a null element raises PQ004');
UPDATE pgqueue.settings SET payload_limit_bytes = 100;
SELECT throws_ok(format('SELECT * FROM pgqueue.enqueue_many(batch_id => %L, payloads => ARRAY[''{}'', %L]::jsonb[])',
                        'many-a', jsonb_build_object('s', repeat('x', 100))),
                 'PQ004', NULL, 'an element over payload_limit_bytes raises PQ004');
SELECT throws_ok($$SELECT * FROM pgqueue.enqueue_many(batch_id => 'many-a', payloads => ARRAY['{}']::jsonb[], task_type => '')$$,
                 'PQ004', NULL, 'an empty task_type raises PQ004');
SELECT is(pg_temp.row_counts(), :'counts_before', 'the rejected calls wrote nothing, not even the good elements');

SELECT * FROM finish();
ROLLBACK;
