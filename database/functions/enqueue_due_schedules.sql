-- enqueue_due_schedules
-- Enqueues one task for every schedule whose next run has come (for its latest due slot: missed slots collapse
-- into one) and moves its next run past now; returns how many tasks it enqueued. Exactly once per slot however
-- many callers run it at once; commits with the caller's transaction.
CREATE OR REPLACE FUNCTION pgqueue.enqueue_due_schedules()
RETURNS integer
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pgqueue, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_schedule pgqueue.schedules%ROWTYPE;
  v_now timestamptz := now();
  v_slot timestamptz;
  v_next timestamptz;
  v_step numeric;
  v_window interval;
  v_dedup_key text;
  v_enqueued integer := 0;
BEGIN
  -- With nothing due this is one probe of schedules_next_run_idx. SKIP LOCKED: a schedule another caller is
  -- enqueuing right now is that caller's; once it commits, its next run is past now and the row no longer matches
  -- (READ COMMITTED re-checks the condition on the new row version), so each slot is enqueued once.
  FOR v_schedule IN
    SELECT s.*
      FROM pgqueue.schedules AS s
     WHERE s.next_run <= v_now
     ORDER BY s.next_run
       FOR NO KEY UPDATE SKIP LOCKED
  LOOP
    IF v_schedule.every IS NOT NULL THEN
      v_step := extract(epoch FROM v_schedule.every);
      -- The latest slot anchor + k x every at or before now, and the one after it.
      v_slot := v_schedule.anchor + make_interval(secs => (v_step * floor(extract(epoch FROM v_now - v_schedule.anchor) / v_step))::double precision);
      v_next := v_slot + v_schedule.every;
    ELSE
      -- The latest cron slot at or before now: search back from now in growing windows (never before next_run),
      -- then walk the slots of the first window that holds one.
      v_slot := v_schedule.next_run;
      FOREACH v_window IN ARRAY ARRAY['1 minute', '1 hour', '1 day', '32 days', '400 days', '100 years']::interval[] LOOP
        v_next := pgqueue._next_cron_slot(v_schedule.cron, v_schedule.time_zone,
                                          greatest(v_schedule.next_run - interval '1 microsecond', v_now - v_window));
        IF v_next <= v_now THEN
          EXIT;
        END IF;
      END LOOP;
      WHILE v_next <= v_now LOOP
        v_slot := v_next;
        v_next := pgqueue._next_cron_slot(v_schedule.cron, v_schedule.time_zone, v_slot);
      END LOOP;
    END IF;

    v_dedup_key := v_schedule.schedule_name || '@' || to_char(v_slot AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"');
    -- If this slot's task is still pending nothing is enqueued, but the next run still advances.
    IF NOT EXISTS (SELECT 1 FROM pgqueue.tasks AS t
                    WHERE t.batch_id = v_schedule.batch_id AND t.dedup_key = v_dedup_key) THEN
      PERFORM pgqueue.enqueue(batch_id => v_schedule.batch_id, payload => v_schedule.payload,
                              task_type => v_schedule.task_type, dedup_key => v_dedup_key);
      v_enqueued := v_enqueued + 1;
    END IF;

    UPDATE pgqueue.schedules AS s
       SET next_run = v_next,
           last_slot = v_slot
     WHERE s.schedule_name = v_schedule.schedule_name;
  END LOOP;
  RETURN v_enqueued;
END
$$;

COMMENT ON FUNCTION pgqueue.enqueue_due_schedules() IS
  'Enqueues one task for every schedule whose next run has come (its latest due slot: missed slots collapse into one) and moves its next run past now; returns how many tasks it enqueued. Exactly once per slot however many callers.';
ALTER FUNCTION pgqueue.enqueue_due_schedules() OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue.enqueue_due_schedules() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgqueue.enqueue_due_schedules() TO pgqueue_worker;
