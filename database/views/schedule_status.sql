-- schedule_status
-- One row per schedule: its batch and task type, `every` or cron and time zone, the next run and the last slot it
-- enqueued. For workers and operators; no payloads here.
CREATE OR REPLACE VIEW pgqueue.schedule_status AS
SELECT s.schedule_name,
       s.batch_id,
       s.task_type,
       s.every,
       s.cron,
       s.time_zone,
       s.next_run,
       s.last_slot
  FROM pgqueue.schedules AS s;

ALTER VIEW pgqueue.schedule_status OWNER TO pgqueue_owner;
REVOKE ALL ON pgqueue.schedule_status FROM PUBLIC;
GRANT SELECT ON pgqueue.schedule_status TO pgqueue_worker, pgqueue_admin;
