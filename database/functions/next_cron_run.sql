-- next_cron_run
-- Returns the first slot of a 5-field cron expression strictly after `after` (NULL = now), evaluated in time_zone.
-- Raises PQ004 on a bad or never-firing cron or a time zone not in pg_timezone_names.
CREATE OR REPLACE FUNCTION pgqueue.next_cron_run(
  cron text,
  time_zone text DEFAULT 'UTC',
  after timestamptz DEFAULT NULL
)
RETURNS timestamptz
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pgqueue, pg_temp
AS $$
#variable_conflict use_column
BEGIN
  PERFORM pgqueue._parse_cron(next_cron_run.cron);
  PERFORM pgqueue._check_time_zone(next_cron_run.time_zone);
  RETURN pgqueue._next_cron_slot(next_cron_run.cron, next_cron_run.time_zone, coalesce(next_cron_run.after, now()));
END
$$;

COMMENT ON FUNCTION pgqueue.next_cron_run(text, text, timestamptz) IS
  'Returns the first slot of a 5-field cron expression strictly after `after` (NULL = now), evaluated in time_zone.';
ALTER FUNCTION pgqueue.next_cron_run(text, text, timestamptz) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue.next_cron_run(text, text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgqueue.next_cron_run(text, text, timestamptz) TO pgqueue_worker;
