-- _batch_lock_key
-- The advisory-lock key of a batch: producers of one batch take turns on it until they commit.
-- Internal: no EXECUTE grant; the contract functions call it as pgqueue_owner.
CREATE OR REPLACE FUNCTION pgqueue._batch_lock_key(batch_id text)
RETURNS bigint
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
  SELECT pg_catalog.hashtextextended('pgqueue.batch:' || batch_id, 0)
$$;

ALTER FUNCTION pgqueue._batch_lock_key(text) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue._batch_lock_key(text) FROM PUBLIC;
