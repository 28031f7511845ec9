-- set_batch_priority: claim_batch takes strictly higher priorities first, then the longest-due head, then batch id;
-- the preferred batch still comes first; an unknown batch is created with its priority; NULL raises PQ004.
\set VERBOSITY terse
BEGIN;
SELECT plan(15);

CREATE FUNCTION pg_temp.row_counts() RETURNS text LANGUAGE sql AS $$
  SELECT format('tasks=%s batches=%s priorities=%s', (SELECT count(*) FROM pgqueue.tasks),
                (SELECT count(*) FROM pgqueue.batches), (SELECT string_agg(batch_id || ':' || priority, ',' ORDER BY batch_id) FROM pgqueue.batches))
$$;

SELECT lives_ok($$SELECT pgqueue.set_batch_priority('prio-high', 10)$$, 'setting the priority of an unknown batch');
SELECT is((SELECT priority FROM pgqueue.batches WHERE batch_id = 'prio-high'), 10, '... creates it with that priority');
SELECT is((SELECT state FROM pgqueue.batch_status WHERE batch_id = 'prio-high'), 'empty', '... empty');

-- Enqueued oldest first: neg, low, zero, mid-b, mid-a, high. Priority beats waiting time.
SELECT pgqueue.enqueue(batch_id => 'prio-neg') AS x \gset
SELECT pgqueue.enqueue(batch_id => 'prio-low') AS x \gset
SELECT pgqueue.enqueue(batch_id => 'prio-zero') AS x \gset
SELECT pgqueue.enqueue(batch_id => 'prio-mid-b') AS x \gset
SELECT pgqueue.enqueue(batch_id => 'prio-mid-a') AS x \gset
SELECT pgqueue.enqueue(batch_id => 'prio-high') AS x \gset
SELECT pgqueue.set_batch_priority('prio-mid-a', 5);
SELECT pgqueue.set_batch_priority('prio-mid-b', 5);
SELECT pgqueue.set_batch_priority('prio-neg', -3);
-- Same head_due_at for the two mid batches: then batch id decides.
UPDATE pgqueue.batches SET head_due_at = (SELECT head_due_at FROM pgqueue.batches WHERE batch_id = 'prio-mid-b')
 WHERE batch_id = 'prio-mid-a';

SELECT is((SELECT batch_id FROM pgqueue.claim_batch(worker_id => 'w', preferred_batch_id => 'prio-low')), 'prio-low',
          'the preferred batch still comes first');
SELECT is((SELECT batch_id FROM pgqueue.claim_batch(worker_id => 'w')), 'prio-high', 'then the highest priority, although its head waited least');
SELECT is((SELECT batch_id FROM pgqueue.claim_batch(worker_id => 'w')), 'prio-mid-a', 'then the next level; equal due time: lower batch id first');
SELECT is((SELECT batch_id FROM pgqueue.claim_batch(worker_id => 'w')), 'prio-mid-b', '... then the other batch of that level');
SELECT is((SELECT batch_id FROM pgqueue.claim_batch(worker_id => 'w')), 'prio-zero', 'then default 0, before an older batch of priority -3');
SELECT is((SELECT batch_id FROM pgqueue.claim_batch(worker_id => 'w')), 'prio-neg', 'then the negative level');

-- An expired lease of a low-priority batch does not jump ahead of a higher level.
SELECT pgqueue.enqueue(batch_id => 'prio-expired') AS x \gset
SELECT pgqueue.set_batch_priority('prio-expired', -1);
SELECT lease_token AS t FROM pgqueue.claim_batch(worker_id => 'w-dead', preferred_batch_id => 'prio-expired', lease => '1 millisecond') \gset
SELECT pg_sleep(0.01);
SELECT pgqueue.enqueue(batch_id => 'prio-top') AS x \gset
SELECT pgqueue.set_batch_priority('prio-top', 1);
SELECT is((SELECT batch_id FROM pgqueue.claim_batch(worker_id => 'w')), 'prio-top', 'a higher level goes before an expired lease of a lower one');
SELECT is((SELECT batch_id FROM pgqueue.claim_batch(worker_id => 'w')), 'prio-expired', '... which is taken over next');

SELECT pg_temp.row_counts() AS counts_before \gset
SELECT throws_ok($$SELECT pgqueue.set_batch_priority('prio-high', NULL)$$, 'PQ004', NULL, 'a null priority raises PQ004');
SELECT throws_ok($$SELECT pgqueue.set_batch_priority(NULL, 1)$$, 'PQ002', NULL, 'a null batch id raises PQ002');
SELECT throws_ok($$SELECT pgqueue.set_batch_priority('bad id', 1)$$, 'PQ002', NULL, 'an invalid batch id raises PQ002');
SELECT is(pg_temp.row_counts(), :'counts_before', 'the rejected calls wrote nothing');

SELECT * FROM finish();
ROLLBACK;
