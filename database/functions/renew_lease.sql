-- renew_lease
-- Heartbeat: extends a live lease to now + lease (the setting when NULL) and returns the new expiry.
-- Raises PQ001 if the lease is not held (expired or taken over), PQ002 on an invalid batch_id, PQ004 on a null
-- token or a non-positive lease.
CREATE OR REPLACE FUNCTION pgqueue.renew_lease(batch_id text, lease_token bigint, lease interval DEFAULT NULL)
RETURNS timestamptz
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pgqueue, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_lease interval;
  v_expires_at timestamptz;
BEGIN
  PERFORM pgqueue._check_batch_id(renew_lease.batch_id);
  PERFORM pgqueue._check_lease_token(renew_lease.lease_token);
  v_lease := pgqueue._lease_length(renew_lease.lease);

  -- An expired lease is lost at once, even before anyone takes the batch: renewing it would resurrect a lease
  -- whose head may already have been charged.
  UPDATE pgqueue.batches AS b
     SET lease_expires_at = clock_timestamp() + v_lease
   WHERE b.batch_id = renew_lease.batch_id
     AND b.lease_token = renew_lease.lease_token
     AND b.lease_expires_at > clock_timestamp()
  RETURNING b.lease_expires_at INTO v_expires_at;
  IF NOT FOUND THEN
    PERFORM pgqueue._lease_lost(renew_lease.batch_id, renew_lease.lease_token);
  END IF;
  RETURN v_expires_at;
END
$$;

COMMENT ON FUNCTION pgqueue.renew_lease(text, bigint, interval) IS
  'Heartbeat: extends a live lease to now + lease (the setting when NULL) and returns the new expiry; PQ001 if the lease is not held.';
ALTER FUNCTION pgqueue.renew_lease(text, bigint, interval) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue.renew_lease(text, bigint, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgqueue.renew_lease(text, bigint, interval) TO pgqueue_worker;
