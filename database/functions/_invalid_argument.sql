-- _invalid_argument
-- Raises PQ004 with a message naming the offending argument and value. Internal: no EXECUTE grant.
CREATE OR REPLACE FUNCTION pgqueue._invalid_argument(message text, hint text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
IMMUTABLE
AS $$
#variable_conflict use_column
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'PQ004', MESSAGE = message, HINT = coalesce(hint, '');
END
$$;

ALTER FUNCTION pgqueue._invalid_argument(text, text) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue._invalid_argument(text, text) FROM PUBLIC;
