-- _check_schedule_name
-- Raises PQ004 unless schedule_name follows the batch id rules (1 to 64 characters of A-Z a-z 0-9 . _ : -), so
-- the '@' in a schedule's dedup key is unambiguous. Internal.
CREATE OR REPLACE FUNCTION pgqueue._check_schedule_name(schedule_name text)
RETURNS void
LANGUAGE plpgsql
IMMUTABLE
AS $$
#variable_conflict use_column
BEGIN
  IF schedule_name IS NULL OR schedule_name !~ '^[A-Za-z0-9._:-]{1,64}$' THEN
    PERFORM pgqueue._invalid_argument(
      format('invalid schedule name: %s', coalesce(quote_literal(left(schedule_name, 100)), 'null')),
      'a schedule name is 1 to 64 characters of A-Z a-z 0-9 . _ : -');
  END IF;
END
$$;

ALTER FUNCTION pgqueue._check_schedule_name(text) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue._check_schedule_name(text) FROM PUBLIC;
