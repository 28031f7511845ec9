-- set_schedule / drop_schedule / enqueue_due_schedules / schedule_status: setting never fires at once, a due slot
-- is enqueued once with dedup key <name>@<slot UTC>, missed slots collapse into one task, a pending slot task is not
-- enqueued twice but the next run still advances; every PQ002/PQ004 path leaves row counts unchanged.
-- now() is fixed inside this transaction, so due schedules are made by moving next_run and anchor into the past.
\set VERBOSITY terse
BEGIN;
SELECT plan(31);
SET LOCAL timezone = 'UTC';

CREATE FUNCTION pg_temp.row_counts() RETURNS text LANGUAGE sql AS $$
  SELECT format('schedules=%s tasks=%s batches=%s', (SELECT count(*) FROM pgqueue.schedules),
                (SELECT count(*) FROM pgqueue.tasks), (SELECT count(*) FROM pgqueue.batches))
$$;
SELECT is(pg_temp.row_counts(), 'schedules=0 tasks=0 batches=0', 'the test database starts with no schedules');

SELECT is(pgqueue.set_schedule(schedule_name => 'every-90', batch_id => 'sch-a', every => '90 seconds',
                               payload => '{"k":1}', task_type => 'tick'),
          date_trunc('second', now()) + interval '90 seconds', 'an every schedule first runs one interval after it was set');
SELECT is(pgqueue.set_schedule(schedule_name => 'cron-hourly', batch_id => 'sch-b', cron => '0 * * * *', time_zone => 'Europe/Berlin'),
          date_trunc('hour', now()) + interval '1 hour', 'a cron schedule first runs at its next slot after now');
SELECT results_eq($$SELECT schedule_name, batch_id, task_type, every, cron, time_zone, last_slot FROM pgqueue.schedule_status ORDER BY 1$$,
                  $$VALUES ('cron-hourly'::text, 'sch-b'::text, NULL::text, NULL::interval, '0 * * * *'::text, 'Europe/Berlin'::text, NULL::timestamptz),
                           ('every-90', 'sch-a', 'tick', '90 seconds', NULL, 'UTC', NULL)$$,
                  'schedule_status lists both');
SELECT is(pgqueue.enqueue_due_schedules(), 0, 'setting a schedule never fires it at once');
SELECT is((SELECT count(*) FROM pgqueue.tasks), 0::bigint, '... no task');

-- Missed slots collapse: anchor 10 intervals ago, next run long due.
UPDATE pgqueue.schedules SET anchor = date_trunc('second', now()) - interval '900 seconds' - interval '30 seconds',
                             next_run = date_trunc('second', now()) - interval '840 seconds'
 WHERE schedule_name = 'every-90';
SELECT is(pgqueue.enqueue_due_schedules(), 1, 'a long-due schedule enqueues one task');
SELECT results_eq($$SELECT batch_id, task_type, payload, dedup_key FROM pgqueue.pending_tasks$$,
                  format($$VALUES ('sch-a'::text, 'tick'::text, '{"k":1}'::jsonb, %L::text)$$,
                         'every-90@' || to_char(date_trunc('second', now()) - interval '30 seconds', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
                  '... for the latest due slot, with its payload, type, batch and dedup key <name>@<slot UTC>');
SELECT results_eq($$SELECT next_run, last_slot FROM pgqueue.schedule_status WHERE schedule_name = 'every-90'$$,
                  $$VALUES (date_trunc('second', now()) + interval '60 seconds', date_trunc('second', now()) - interval '30 seconds')$$,
                  '... records that slot and moves the next run to the first slot after now');
SELECT is(pgqueue.enqueue_due_schedules(), 0, 'a second call enqueues nothing');

-- A pending slot task is not enqueued twice, but the next run advances.
UPDATE pgqueue.schedules SET next_run = last_slot WHERE schedule_name = 'every-90';
SELECT is(pgqueue.enqueue_due_schedules(), 0, 'the same slot again while its task is pending: nothing enqueued');
SELECT is((SELECT next_run FROM pgqueue.schedule_status WHERE schedule_name = 'every-90'),
          date_trunc('second', now()) + interval '60 seconds', '... but the next run still advances');

-- Cron: missed hourly slots collapse into the latest one.
UPDATE pgqueue.schedules SET next_run = date_trunc('hour', now()) - interval '5 hours' WHERE schedule_name = 'cron-hourly';
SELECT is(pgqueue.enqueue_due_schedules(), 1, 'a cron schedule that missed 6 slots enqueues one task');
SELECT is((SELECT dedup_key FROM pgqueue.pending_tasks WHERE batch_id = 'sch-b'),
          'cron-hourly@' || to_char(date_trunc('hour', now()), 'YYYY-MM-DD"T"HH24:00:00"Z"'), '... for the latest slot');
SELECT results_eq($$SELECT next_run, last_slot FROM pgqueue.schedule_status WHERE schedule_name = 'cron-hourly'$$,
                  $$VALUES (date_trunc('hour', now()) + interval '1 hour', date_trunc('hour', now()))$$,
                  '... and its next run is the next slot');

-- Replacing recomputes from now.
UPDATE pgqueue.schedules SET next_run = now() - interval '1 day' WHERE schedule_name = 'every-90';
SELECT is(pgqueue.set_schedule(schedule_name => 'every-90', batch_id => 'sch-a', every => '1 day'),
          date_trunc('second', now()) + interval '1 day', 'replacing a schedule recomputes its next run from now (a day is 24 hours)');
SELECT is(pgqueue.enqueue_due_schedules(), 0, '... so it is no longer due');

SELECT ok(pgqueue.drop_schedule('cron-hourly'), 'drop_schedule returns true for a schedule');
SELECT ok(NOT pgqueue.drop_schedule('cron-hourly'), '... false when there is none');
SELECT is((SELECT count(*) FROM pgqueue.pending_tasks WHERE batch_id = 'sch-b'), 1::bigint, '... and enqueued tasks stay');

-- Bad arguments write nothing
SELECT pg_temp.row_counts() AS counts_before \gset
SELECT throws_ok($$SELECT pgqueue.set_schedule('s', NULL, every => '1 minute')$$, 'PQ002', NULL, 'a null batch id raises PQ002');
SELECT throws_ok($$SELECT pgqueue.set_schedule('bad name', 'b', every => '1 minute')$$, 'PQ004', NULL, 'a bad schedule name raises PQ004');
SELECT throws_ok($$SELECT pgqueue.set_schedule('s', 'b')$$, 'PQ004', NULL, 'neither every nor cron');
SELECT throws_ok($$SELECT pgqueue.set_schedule('s', 'b', every => '1 minute', cron => '* * * * *')$$, 'PQ004', NULL, 'both every and cron');
SELECT throws_ok($$SELECT pgqueue.set_schedule('s', 'b', every => '1 month')$$, 'PQ004', NULL, 'every in months');
SELECT throws_ok($$SELECT pgqueue.set_schedule('s', 'b', every => '1.5 seconds')$$, 'PQ004', NULL, 'every with a fraction of a second');
SELECT throws_ok($$SELECT pgqueue.set_schedule('s', 'b', every => '0 seconds')$$, 'PQ004', NULL, 'every of zero');
SELECT throws_ok($$SELECT pgqueue.set_schedule('s', 'b', cron => '0 0 30 2 *')$$, 'PQ004', NULL, 'a cron that never fires');
SELECT throws_ok($$SELECT pgqueue.set_schedule('s', 'b', cron => '* * * * *', time_zone => '+02:00')$$, 'PQ004', NULL, 'an offset as time zone');
SELECT throws_ok($$SELECT pgqueue.drop_schedule(NULL)$$, 'PQ004', NULL, 'drop_schedule with a null name');
SELECT is(pg_temp.row_counts(), :'counts_before', 'the rejected calls wrote nothing');

SELECT * FROM finish();
ROLLBACK;
