-- set_schedule
-- Creates or replaces a recurring task (an `every` interval or a 5-field cron in time_zone) and returns its next
-- run, always after now: setting a schedule never fires it at once; replacing one recomputes the next run from now.
-- Raises PQ002 on an invalid batch_id, PQ004 on a bad schedule name, both or neither of every/cron, an `every` that
-- is not a whole number of seconds >= 1 or holds months/years, a bad cron or zone, or a null/oversized payload.
CREATE OR REPLACE FUNCTION pgqueue.set_schedule(
  schedule_name text,
  batch_id text,
  every interval DEFAULT NULL,
  cron text DEFAULT NULL,
  payload jsonb DEFAULT '{}',
  task_type text DEFAULT NULL,
  time_zone text DEFAULT 'UTC'
)
RETURNS timestamptz
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pgqueue, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_limit integer;
  v_seconds numeric;
  v_anchor timestamptz;
  v_next timestamptz;
BEGIN
  PERFORM pgqueue._check_batch_id(set_schedule.batch_id);
  PERFORM pgqueue._check_schedule_name(set_schedule.schedule_name);
  IF (set_schedule.every IS NULL) = (set_schedule.cron IS NULL) THEN
    PERFORM pgqueue._invalid_argument('pass exactly one of every and cron', 'every => ''5 minutes'' or cron => ''*/5 * * * *''');
  END IF;
  IF set_schedule.every IS NOT NULL THEN
    -- A day counts 24 hours; months and years have no fixed length, so they are refused.
    v_seconds := extract(epoch FROM set_schedule.every);
    IF extract(year FROM set_schedule.every) <> 0 OR extract(month FROM set_schedule.every) <> 0
       OR v_seconds < 1 OR v_seconds <> trunc(v_seconds) THEN
      PERFORM pgqueue._invalid_argument(
        format('every must be a whole number of seconds, at least 1, without months or years; got %s', set_schedule.every),
        'e.g. every => ''90 seconds'' or ''1 day''; use cron for monthly schedules');
    END IF;
  ELSE
    PERFORM pgqueue._parse_cron(set_schedule.cron);
  END IF;
  PERFORM pgqueue._check_time_zone(set_schedule.time_zone);
  IF set_schedule.payload IS NULL THEN
    PERFORM pgqueue._invalid_argument('payload must not be null', 'pass ''{}'' for a task without data');
  END IF;
  SELECT s.payload_limit_bytes INTO v_limit FROM pgqueue.settings AS s;
  IF octet_length(set_schedule.payload::text) > v_limit THEN
    PERFORM pgqueue._invalid_argument(
      format('payload is %s bytes, over the limit of %s bytes', octet_length(set_schedule.payload::text), v_limit));
  END IF;
  IF set_schedule.task_type IS NOT NULL AND length(set_schedule.task_type) NOT BETWEEN 1 AND 200 THEN
    PERFORM pgqueue._invalid_argument(format('task_type must be 1 to 200 characters, got %s', length(set_schedule.task_type)));
  END IF;

  v_anchor := date_trunc('second', now());
  IF set_schedule.every IS NOT NULL THEN
    v_next := v_anchor + make_interval(secs => v_seconds::double precision);
  ELSE
    v_next := pgqueue._next_cron_slot(set_schedule.cron, set_schedule.time_zone, now());
  END IF;

  INSERT INTO pgqueue.schedules AS s (schedule_name, batch_id, every, cron, time_zone, payload, task_type, anchor,
                                      next_run, last_slot, updated_at)
  VALUES (set_schedule.schedule_name, set_schedule.batch_id,
          CASE WHEN set_schedule.every IS NOT NULL THEN make_interval(secs => v_seconds::double precision) END,
          set_schedule.cron, set_schedule.time_zone, set_schedule.payload, set_schedule.task_type, v_anchor,
          v_next, NULL, now())
  ON CONFLICT (schedule_name) DO UPDATE
     SET batch_id = EXCLUDED.batch_id,
         every = EXCLUDED.every,
         cron = EXCLUDED.cron,
         time_zone = EXCLUDED.time_zone,
         payload = EXCLUDED.payload,
         task_type = EXCLUDED.task_type,
         anchor = EXCLUDED.anchor,
         next_run = EXCLUDED.next_run,
         updated_at = EXCLUDED.updated_at;
  RETURN v_next;
END
$$;

COMMENT ON FUNCTION pgqueue.set_schedule(text, text, interval, text, jsonb, text, text) IS
  'Creates or replaces a recurring task (an every interval or a 5-field cron in time_zone) and returns its next run, always after now: setting a schedule never fires it at once.';
ALTER FUNCTION pgqueue.set_schedule(text, text, interval, text, jsonb, text, text) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue.set_schedule(text, text, interval, text, jsonb, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgqueue.set_schedule(text, text, interval, text, jsonb, text, text) TO pgqueue_admin;
