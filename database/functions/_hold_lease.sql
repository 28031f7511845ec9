-- _hold_lease
-- Checks that lease_token is the live lease of batch_id and keeps the batch row share-locked until the caller's
-- transaction ends, so no takeover can commit between this check and the caller's commit (fencing).
-- Raises PQ001 if the lease is not held.
CREATE OR REPLACE FUNCTION pgqueue._hold_lease(batch_id text, lease_token bigint)
RETURNS void
LANGUAGE plpgsql
VOLATILE
AS $$
#variable_conflict use_column
BEGIN
  PERFORM 1
     FROM pgqueue.batches AS b
    WHERE b.batch_id = _hold_lease.batch_id
      AND b.lease_token = _hold_lease.lease_token
      AND b.lease_expires_at > pg_catalog.clock_timestamp()
      FOR SHARE OF b;
  IF NOT FOUND THEN
    PERFORM pgqueue._lease_lost(_hold_lease.batch_id, _hold_lease.lease_token);
  END IF;
END
$$;

ALTER FUNCTION pgqueue._hold_lease(text, bigint) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue._hold_lease(text, bigint) FROM PUBLIC;
