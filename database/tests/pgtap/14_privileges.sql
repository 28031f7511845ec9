-- Privileges and roles (DESIGN.md, Security): PUBLIC executes nothing; pgqueue_producer enqueues,
-- pgqueue_worker claims and runs tasks, pgqueue_admin does all that plus redrive and pause; roles get EXECUTE and
-- view SELECTs only, never table privileges; every contract function is SECURITY DEFINER owned by the NOLOGIN,
-- non-superuser pgqueue_owner, with a pinned search_path, one signature and a comment.
\set VERBOSITY terse
BEGIN;
SELECT plan(33);

CREATE TEMP TABLE contract_function (name text, producer boolean, worker boolean, admin boolean);
INSERT INTO contract_function VALUES
  ('enqueue', true, false, true), ('enqueue_many', true, false, true),
  ('claim_batch', false, true, true), ('dequeue_task', false, true, true), ('complete_task', false, true, true),
  ('fail_task', false, true, true), ('renew_lease', false, true, true), ('release_batch', false, true, true),
  ('reap_stale_locks', false, true, true),
  ('retry_dead_tasks', false, false, true), ('pause_batch', false, false, true), ('resume_batch', false, false, true),
  ('enqueue_due_schedules', false, true, true), ('next_cron_run', false, true, true),
  ('set_schedule', false, false, true), ('drop_schedule', false, false, true), ('set_batch_priority', false, false, true),
  ('rerun_task', false, false, true);

CREATE TEMP VIEW pgqueue_function AS
SELECT p.oid, p.proname::text AS name, p.prosecdef, p.proconfig, p.proowner
  FROM pg_catalog.pg_proc AS p
 WHERE p.pronamespace = 'pgqueue'::regnamespace;

-- Runs sql as role_name and returns 'ok' or the SQLSTATE it raised.
CREATE FUNCTION pg_temp.as_role(role_name text, sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SET LOCAL ROLE %I', role_name);
  BEGIN
    EXECUTE sql;
  EXCEPTION WHEN OTHERS THEN
    RESET ROLE;
    RETURN SQLSTATE;
  END;
  RESET ROLE;
  RETURN 'ok';
END
$$;

-- The catalog
SELECT has_role('pgqueue_producer');
SELECT has_role('pgqueue_worker');
SELECT has_role('pgqueue_admin');
SELECT has_role('pgqueue_owner');
SELECT is((SELECT rolcanlogin OR rolsuper FROM pg_catalog.pg_roles WHERE rolname = 'pgqueue_owner'), false,
          'pgqueue_owner is NOLOGIN and not a superuser, so SECURITY DEFINER never runs as one');
SELECT is_empty($$SELECT c.name FROM contract_function AS c WHERE NOT EXISTS (SELECT 1 FROM pgqueue_function AS f WHERE f.name = c.name)$$,
                'every function of the contract exists');
SELECT is_empty($$SELECT name, count(*) FROM pgqueue_function GROUP BY name HAVING count(*) > 1$$,
                'no function has a second signature (no overloads)');
SELECT is_empty($$SELECT name FROM pgqueue_function WHERE name NOT LIKE '\_%' AND NOT prosecdef$$,
                'every contract function is SECURITY DEFINER');
SELECT is_empty($$SELECT name, proconfig FROM pgqueue_function
                   WHERE name NOT LIKE '\_%'
                     AND NOT EXISTS (SELECT 1 FROM unnest(proconfig) AS c
                                      WHERE c ~ '^search_path=' AND c ~ 'pg_temp$' AND c !~ '(public|\$user)')$$,
                'every contract function pins a search_path without writable schemas, pg_temp last');
SELECT is_empty($$SELECT name FROM pgqueue_function WHERE proowner <> 'pgqueue_owner'::regrole$$,
                'pgqueue_owner owns every function');
SELECT is_empty($$SELECT name FROM pgqueue_function WHERE name NOT LIKE '\_%' AND obj_description(oid, 'pg_proc') IS NULL$$,
                'every contract function carries a COMMENT (\df+ shows its contract line)');
SELECT is_empty($$SELECT name FROM pgqueue_function WHERE has_function_privilege('public', oid, 'EXECUTE')$$,
                'PUBLIC may execute no pgqueue function');
SELECT is_empty($$SELECT c.name, r.role, has_function_privilege(r.role, f.oid, 'EXECUTE') AS has, r.wanted
                    FROM contract_function AS c
                    JOIN pgqueue_function AS f ON f.name = c.name
                   CROSS JOIN LATERAL (VALUES ('pgqueue_producer', c.producer), ('pgqueue_worker', c.worker),
                                              ('pgqueue_admin', c.admin)) AS r(role, wanted)
                   WHERE has_function_privilege(r.role, f.oid, 'EXECUTE') <> r.wanted$$,
                'producer: enqueue*; worker: claim, dequeue, complete, fail, renew, release, reap, enqueue_due_schedules, next_cron_run; admin: all');
SELECT is_empty($$SELECT f.name, r.role FROM pgqueue_function AS f
                   CROSS JOIN (VALUES ('pgqueue_producer'), ('pgqueue_worker'), ('pgqueue_admin')) AS r(role)
                   WHERE f.name LIKE '\_%' AND has_function_privilege(r.role, f.oid, 'EXECUTE')$$,
                'no role may execute an internal _helper');
SELECT is_empty($$SELECT c.relname, r.role, p.privilege
                    FROM pg_catalog.pg_class AS c
                   CROSS JOIN (VALUES ('pgqueue_producer'), ('pgqueue_worker'), ('pgqueue_admin'), ('public')) AS r(role)
                   CROSS JOIN (VALUES ('SELECT'), ('INSERT'), ('UPDATE'), ('DELETE'), ('TRUNCATE')) AS p(privilege)
                   WHERE c.relnamespace = 'pgqueue'::regnamespace AND c.relkind IN ('r', 'p')
                     AND has_table_privilege(r.role, c.oid, p.privilege)$$,
                'no role has any privilege on a table');
SELECT is_empty($$SELECT c.relname, r.role FROM pg_catalog.pg_class AS c
                   CROSS JOIN (VALUES ('pgqueue_producer'), ('pgqueue_worker'), ('pgqueue_admin'), ('public')) AS r(role)
                   WHERE c.relnamespace = 'pgqueue'::regnamespace AND c.relkind = 'S'
                     AND (has_sequence_privilege(r.role, c.oid, 'USAGE') OR has_sequence_privilege(r.role, c.oid, 'UPDATE'))$$,
                'no role may draw from a sequence');
SELECT results_eq(
  $$SELECT v.view, has_table_privilege('pgqueue_producer', 'pgqueue.' || v.view, 'SELECT'),
           has_table_privilege('pgqueue_worker', 'pgqueue.' || v.view, 'SELECT'),
           has_table_privilege('pgqueue_admin', 'pgqueue.' || v.view, 'SELECT'),
           has_table_privilege('public', 'pgqueue.' || v.view, 'SELECT')
      FROM (VALUES ('batch_status'), ('queue_stats'), ('pending_tasks'), ('failed_tasks'), ('schedule_status'),
                   ('completed_tasks')) AS v(view)$$,
  $$VALUES ('batch_status', true, true, true, false), ('queue_stats', true, true, true, false),
           ('pending_tasks', false, false, true, false), ('failed_tasks', false, false, true, false),
           ('schedule_status', false, true, true, false), ('completed_tasks', false, false, true, false)$$,
  'status views for every role, schedule_status for workers; payloads and errors (pending_tasks, failed_tasks, completed_tasks) for pgqueue_admin only');

-- The same, done as each role
SELECT is(pg_temp.as_role('pgqueue_producer', $$SELECT pgqueue.enqueue(batch_id => 'priv-a')$$), 'ok',
          'a producer enqueues through SECURITY DEFINER without any table privilege');
SELECT is(pg_temp.as_role('pgqueue_producer', $$SELECT * FROM pgqueue.enqueue_many('priv-a', ARRAY['{}']::jsonb[])$$), 'ok',
          'a producer enqueues many');
SELECT is(pg_temp.as_role('pgqueue_producer', $$SELECT * FROM pgqueue.claim_batch('w')$$), '42501', 'a producer cannot claim');
SELECT is(pg_temp.as_role('pgqueue_worker', $$SELECT pgqueue.enqueue(batch_id => 'priv-a')$$), '42501', 'a worker cannot enqueue');
SELECT is(pg_temp.as_role('pgqueue_worker', $$SELECT * FROM pgqueue.claim_batch('w', 'priv-a')$$), 'ok', 'a worker claims');
SELECT is(pg_temp.as_role('pgqueue_worker', $$SELECT pgqueue.reap_stale_locks()$$), 'ok', 'a worker reaps');
SELECT is(pg_temp.as_role('pgqueue_worker', $$SELECT count(*) FROM pgqueue.batch_status$$), 'ok', 'a worker reads batch_status');
SELECT is(pg_temp.as_role('pgqueue_worker', $$SELECT count(*) FROM pgqueue.queue_stats$$), 'ok', 'a worker reads queue_stats');
SELECT is(pg_temp.as_role('pgqueue_worker', $$SELECT count(*) FROM pgqueue.pending_tasks$$), '42501', 'a worker cannot read pending_tasks');
SELECT is(pg_temp.as_role('pgqueue_worker', $$SELECT count(*) FROM pgqueue.tasks$$), '42501', 'a worker cannot read the tasks table');
SELECT is(pg_temp.as_role('pgqueue_worker', $$SELECT pgqueue.pause_batch('priv-a')$$), '42501', 'a worker cannot pause');
SELECT is(pg_temp.as_role('pgqueue_worker', $$SELECT pgqueue.retry_dead_tasks()$$), '42501', 'a worker cannot redrive');
SELECT is(pg_temp.as_role('pgqueue_admin', $$SELECT pgqueue.pause_batch('priv-a')$$), 'ok', 'an admin pauses');
SELECT is(pg_temp.as_role('pgqueue_admin', $$SELECT count(*) FROM pgqueue.failed_tasks$$), 'ok', 'an admin reads failed_tasks');
SELECT is(pg_temp.as_role('pgqueue_admin', $$UPDATE pgqueue.tasks SET attempts = 0$$), '42501', 'even an admin cannot write a table');
CREATE ROLE pgqueue_test_nobody NOLOGIN;
SELECT is(pg_temp.as_role('pgqueue_test_nobody', $$SELECT pgqueue.enqueue(batch_id => 'priv-a')$$), '42501',
          'a role without a pgqueue role cannot enqueue');

SELECT * FROM finish();
ROLLBACK;
