-- 0005_schedules: recurring tasks. One row per schedule: an `every` interval or a 5-field cron in a time zone, the
-- next slot it fires at and the last slot it enqueued. Not breaking: a new table that only new functions use.
CREATE TABLE pgqueue.schedules (
  schedule_name  text PRIMARY KEY,
  batch_id       text NOT NULL,
  every          interval,
  cron           text,
  time_zone      text NOT NULL,
  payload        jsonb NOT NULL,
  task_type      text,
  -- When the schedule was set, truncated to the second: an `every` schedule's slots are anchor + k x every, k >= 1.
  anchor         timestamptz NOT NULL,
  next_run       timestamptz NOT NULL,
  last_slot      timestamptz,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CHECK ((every IS NULL) <> (cron IS NULL))
);

-- enqueue_due_schedules reads only due rows: with nothing due it is one probe of this index.
CREATE INDEX schedules_next_run_idx ON pgqueue.schedules (next_run);

ALTER TABLE pgqueue.schedules OWNER TO pgqueue_owner;
