-- drop_schedule
-- Removes a schedule; returns false if there was none. Tasks it already enqueued stay.
-- Raises PQ004 on an invalid schedule name.
CREATE OR REPLACE FUNCTION pgqueue.drop_schedule(schedule_name text)
RETURNS boolean
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pgqueue, pg_temp
AS $$
#variable_conflict use_column
BEGIN
  PERFORM pgqueue._check_schedule_name(drop_schedule.schedule_name);
  DELETE FROM pgqueue.schedules AS s WHERE s.schedule_name = drop_schedule.schedule_name;
  RETURN FOUND;
END
$$;

COMMENT ON FUNCTION pgqueue.drop_schedule(text) IS
  'Removes a schedule; returns false if there was none. Tasks it already enqueued stay.';
ALTER FUNCTION pgqueue.drop_schedule(text) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue.drop_schedule(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgqueue.drop_schedule(text) TO pgqueue_admin;
