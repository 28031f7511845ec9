-- reap_stale_locks
-- Clears expired leases and returns how many; each clears once, charging one attempt to its batch's head task
-- (unless a live transaction still holds it), so a task that kills its worker ends in dead_tasks. Also trims one
-- bounded chunk of completed-task history older than keep_completed (all of it when history is off).
CREATE OR REPLACE FUNCTION pgqueue.reap_stale_locks()
RETURNS integer
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pgqueue, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_batch record;
  v_cleared integer := 0;
BEGIN
  -- SKIP LOCKED: a batch being claimed (taken over) right now is that claim's to clear.
  FOR v_batch IN
    SELECT b.batch_id
      FROM pgqueue.batches AS b
     WHERE b.lease_token IS NOT NULL
       AND b.lease_expires_at <= clock_timestamp()
     ORDER BY b.lease_expires_at
       FOR NO KEY UPDATE SKIP LOCKED
  LOOP
    PERFORM pgqueue._clear_expired_lease(v_batch.batch_id);
    v_cleared := v_cleared + 1;
  END LOOP;
  -- A bounded chunk per call, oldest first, so housekeeping never turns into one long delete; SKIP LOCKED so two
  -- reapers share the work.
  DELETE FROM pgqueue.completed_tasks_history AS h
   WHERE h.id IN (
     SELECT o.id
       FROM pgqueue.completed_tasks_history AS o
      WHERE o.completed_at < now() - coalesce((SELECT s.keep_completed FROM pgqueue.settings AS s), interval '0')
         OR (SELECT s.keep_completed FROM pgqueue.settings AS s) IS NULL
      ORDER BY o.completed_at
      LIMIT 1000
        FOR UPDATE SKIP LOCKED);
  RETURN v_cleared;
END
$$;

COMMENT ON FUNCTION pgqueue.reap_stale_locks() IS
  'Clears expired leases and returns how many; each charges one attempt to its batch''s head task, so a task that kills its worker ends in dead_tasks. Also trims completed-task history older than keep_completed.';
ALTER FUNCTION pgqueue.reap_stale_locks() OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue.reap_stale_locks() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgqueue.reap_stale_locks() TO pgqueue_worker;
