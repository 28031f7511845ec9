-- _lease_lost
-- Raises PQ001 for a lease that is not (or no longer) held. Internal: no EXECUTE grant.
CREATE OR REPLACE FUNCTION pgqueue._lease_lost(batch_id text, lease_token bigint)
RETURNS void
LANGUAGE plpgsql
IMMUTABLE
AS $$
#variable_conflict use_column
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'PQ001',
    MESSAGE = format('lease %s not held for batch %s', lease_token, batch_id),
    HINT = 'the lease expired or was taken over: roll back and claim the batch again';
END
$$;

ALTER FUNCTION pgqueue._lease_lost(text, bigint) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue._lease_lost(text, bigint) FROM PUBLIC;
