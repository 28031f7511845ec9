-- next_cron_run: the cron dialect (lists, ranges, steps, names, 0 and 7 = Sunday, the day-of-month/day-of-week OR
-- rule), time zones and clock changes as Cronos handles them (Europe/Berlin 2024: spring forward 31 March 02:00 ->
-- 03:00 CEST, fall back 27 October 03:00 -> 02:00 CET), and PQ004 for everything the dialect refuses.
\set VERBOSITY terse
BEGIN;
SELECT plan(40);
SET LOCAL timezone = 'UTC';

SELECT is(pgqueue.next_cron_run('*/15 * * * *', 'UTC', '2024-06-01 10:07:30Z'), '2024-06-01 10:15Z'::timestamptz, '*/15 from the minimum');
SELECT is(pgqueue.next_cron_run('0 * * * *', 'UTC', '2024-06-01 10:00Z'), '2024-06-01 11:00Z'::timestamptz, 'strictly after `after`');
SELECT is(pgqueue.next_cron_run('1-30/5 * * * *', 'UTC', '2024-06-01 10:27Z'), '2024-06-01 11:01Z'::timestamptz, 'a stepped range starts at its low end');
SELECT is(pgqueue.next_cron_run('0 9,17 * * *', 'UTC', '2024-06-01 10:00Z'), '2024-06-01 17:00Z'::timestamptz, 'lists');
SELECT is(pgqueue.next_cron_run('0 9 * * mon-FRI', 'UTC', '2024-06-01 00:00Z'), '2024-06-03 09:00Z'::timestamptz, 'weekday names, any case (1 June 2024 is a Saturday)');
SELECT is(pgqueue.next_cron_run('0 0 1 jan,Jul *', 'UTC', '2024-02-01Z'), '2024-07-01 00:00Z'::timestamptz, 'month names');
SELECT is(pgqueue.next_cron_run('0 0 * * 7', 'UTC', '2024-06-01 00:00Z'), '2024-06-02 00:00Z'::timestamptz, '7 is Sunday');
SELECT is(pgqueue.next_cron_run('0 0 * * 0', 'UTC', '2024-06-01 00:00Z'), '2024-06-02 00:00Z'::timestamptz, '0 is Sunday');
SELECT is(pgqueue.next_cron_run('0 0 * * 5-7', 'UTC', '2024-06-02 00:00Z'), '2024-06-07 00:00Z'::timestamptz, '5-7 is Friday to Sunday');
SELECT is(pgqueue.next_cron_run('0 0 13 * 5', 'UTC', '2024-06-01 00:00Z'), '2024-06-07 00:00Z'::timestamptz, 'both day fields restricted: either matches (a Friday before the 13th)');
SELECT is(pgqueue.next_cron_run('0 0 */2 * 5', 'UTC', '2024-06-01 00:00Z'), '2024-06-07 00:00Z'::timestamptz, 'a day field starting with * makes both match (Friday 7th is odd)');
SELECT is(pgqueue.next_cron_run('0 0 29 2 *', 'UTC', '2024-03-01Z'), '2028-02-29 00:00Z'::timestamptz, '29 February: the next leap year');
SELECT is(pgqueue.next_cron_run('0 9 * * *', 'America/New_York', '2024-06-01 00:00Z'), '2024-06-01 13:00Z'::timestamptz, 'evaluated in the time zone');
SELECT isnt(pgqueue.next_cron_run('* * * * *'), NULL, 'defaults: UTC, after now');
SELECT cmp_ok(pgqueue.next_cron_run('* * * * *'), '>', now(), '... strictly after now');

-- Spring forward in Berlin: 02:00-02:59 local does not exist on 31 March 2024.
SELECT is(pgqueue.next_cron_run('30 2 * * *', 'Europe/Berlin', '2024-03-30 12:00Z'), '2024-03-31 01:00Z'::timestamptz, '30 2 * * * on the spring-forward day runs when the gap ends, 03:00 local');
SELECT is(pgqueue.next_cron_run('30 2 * * *', 'Europe/Berlin', '2024-03-31 01:00Z'), '2024-04-01 00:30Z'::timestamptz, '... once: the next run is the next day');
SELECT is(pgqueue.next_cron_run('*/15 * * * *', 'Europe/Berlin', '2024-03-31 00:45Z'), '2024-03-31 01:00Z'::timestamptz, 'several skipped occurrences make one slot at 03:00 local ...');
SELECT is(pgqueue.next_cron_run('*/15 * * * *', 'Europe/Berlin', '2024-03-31 01:00Z'), '2024-03-31 01:15Z'::timestamptz, '... then 03:15 local');
-- Fall back in Berlin: 02:00-02:59 local happens twice on 27 October 2024 (00:xx UTC in CEST, 01:xx UTC in CET).
SELECT is(pgqueue.next_cron_run('30 2 * * *', 'Europe/Berlin', '2024-10-26 12:00Z'), '2024-10-27 00:30Z'::timestamptz, '30 2 * * * on the fall-back day runs in the first pass ...');
SELECT is(pgqueue.next_cron_run('30 2 * * *', 'Europe/Berlin', '2024-10-27 00:30Z'), '2024-10-28 01:30Z'::timestamptz, '... once');
SELECT is(pgqueue.next_cron_run('0 1-3 * * *', 'Europe/Berlin', '2024-10-26 23:00Z'), '2024-10-27 00:00Z'::timestamptz, '0 1-3 * * * fires at 02:00 in the first pass ...');
SELECT is(pgqueue.next_cron_run('0 1-3 * * *', 'Europe/Berlin', '2024-10-27 00:00Z'), '2024-10-27 01:00Z'::timestamptz, '... and again at 02:00 in the second pass (a range) ...');
SELECT is(pgqueue.next_cron_run('0 1-3 * * *', 'Europe/Berlin', '2024-10-27 01:00Z'), '2024-10-27 02:00Z'::timestamptz, '... then 03:00');
SELECT is(pgqueue.next_cron_run('0,30 2 * * *', 'Europe/Berlin', '2024-10-27 00:00Z'), '2024-10-27 00:30Z'::timestamptz, '0,30 2 * * * runs 02:30 in the first pass ...');
SELECT is(pgqueue.next_cron_run('0,30 2 * * *', 'Europe/Berlin', '2024-10-27 00:30Z'), '2024-10-28 01:00Z'::timestamptz, '... and not in the second (a list is fixed)');
SELECT is(pgqueue.next_cron_run('*/30 * * * *', 'Europe/Berlin', '2024-10-27 00:30Z'), '2024-10-27 01:00Z'::timestamptz, 'a step runs through the second pass');

-- Refused: PQ004
SELECT throws_ok($$SELECT pgqueue.next_cron_run(NULL)$$, 'PQ004', NULL, 'a null cron');
SELECT throws_ok($$SELECT pgqueue.next_cron_run('* * * *')$$, 'PQ004', NULL, 'four fields');
SELECT throws_ok($$SELECT pgqueue.next_cron_run('0 * * * * *')$$, 'PQ004', NULL, 'six fields (seconds or years)');
SELECT throws_ok($$SELECT pgqueue.next_cron_run('@daily')$$, 'PQ004', NULL, 'macros');
SELECT throws_ok($$SELECT pgqueue.next_cron_run('5/10 * * * *')$$, 'PQ004', NULL, 'a step without a range');
SELECT throws_ok($$SELECT pgqueue.next_cron_run('30-10 * * * *')$$, 'PQ004', NULL, 'a reversed range');
SELECT throws_ok($$SELECT pgqueue.next_cron_run('60 * * * *')$$, 'PQ004', NULL, 'an out-of-range minute');
SELECT throws_ok($$SELECT pgqueue.next_cron_run('1,,2 * * * *')$$, 'PQ004', NULL, 'an empty list item');
SELECT throws_ok($$SELECT pgqueue.next_cron_run('0 0 L * *')$$, 'PQ004', NULL, 'L');
SELECT throws_ok($$SELECT pgqueue.next_cron_run('0 0 ? * 1#2')$$, 'PQ004', NULL, '? and #');
SELECT throws_ok($$SELECT pgqueue.next_cron_run('*/0 * * * *')$$, 'PQ004', NULL, 'a zero step');
SELECT throws_ok($$SELECT pgqueue.next_cron_run('0 0 30 2 *')$$, 'PQ004', NULL, 'an expression that never fires');
SELECT throws_ok($$SELECT pgqueue.next_cron_run('* * * * *', 'Mars/Base')$$, 'PQ004', NULL, 'an unknown time zone');

SELECT * FROM finish();
ROLLBACK;
