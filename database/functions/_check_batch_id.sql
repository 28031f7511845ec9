-- _check_batch_id
-- Raises PQ002 unless batch_id is 1 to 64 characters of A-Z a-z 0-9 . _ : - (so ids are safe in logs, URLs
-- and NOTIFY payloads). Internal: no EXECUTE grant.
CREATE OR REPLACE FUNCTION pgqueue._check_batch_id(batch_id text)
RETURNS void
LANGUAGE plpgsql
IMMUTABLE
AS $$
#variable_conflict use_column
BEGIN
  IF batch_id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'PQ002', MESSAGE = 'invalid batch id: null',
      HINT = 'a batch id is 1 to 64 characters of A-Z a-z 0-9 . _ : -';
  END IF;
  IF batch_id !~ '^[A-Za-z0-9._:-]{1,64}$' THEN
    RAISE EXCEPTION USING ERRCODE = 'PQ002',
      MESSAGE = format('invalid batch id: %s', pg_catalog.quote_literal(pg_catalog.left(batch_id, 100))),
      HINT = 'a batch id is 1 to 64 characters of A-Z a-z 0-9 . _ : -';
  END IF;
END
$$;

ALTER FUNCTION pgqueue._check_batch_id(text) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue._check_batch_id(text) FROM PUBLIC;
