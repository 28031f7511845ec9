-- _check_lease_token
-- Raises PQ004 on a null lease token. Internal: no EXECUTE grant.
CREATE OR REPLACE FUNCTION pgqueue._check_lease_token(lease_token bigint)
RETURNS void
LANGUAGE plpgsql
IMMUTABLE
AS $$
#variable_conflict use_column
BEGIN
  IF lease_token IS NULL THEN
    PERFORM pgqueue._invalid_argument('lease_token must not be null', 'pass the token claim_batch returned');
  END IF;
END
$$;

ALTER FUNCTION pgqueue._check_lease_token(bigint) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue._check_lease_token(bigint) FROM PUBLIC;
