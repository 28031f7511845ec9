-- _lease_length
-- The lease to grant: the argument, or the setting when it is NULL. Raises PQ004 on a non-positive lease.
CREATE OR REPLACE FUNCTION pgqueue._lease_length(lease interval)
RETURNS interval
LANGUAGE plpgsql
STABLE
AS $$
#variable_conflict use_column
BEGIN
  IF lease IS NULL THEN
    RETURN (SELECT s.lease FROM pgqueue.settings AS s);
  END IF;
  IF lease <= interval '0' THEN
    PERFORM pgqueue._invalid_argument(format('lease must be positive, got %s', lease));
  END IF;
  RETURN lease;
END
$$;

ALTER FUNCTION pgqueue._lease_length(interval) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue._lease_length(interval) FROM PUBLIC;
