-- _check_time_zone
-- Raises PQ004 unless time_zone is a name in pg_timezone_names (no abbreviations, no offsets). Internal.
CREATE OR REPLACE FUNCTION pgqueue._check_time_zone(time_zone text)
RETURNS void
LANGUAGE plpgsql
STABLE
AS $$
#variable_conflict use_column
BEGIN
  IF time_zone IS NULL OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names AS z WHERE z.name = time_zone) THEN
    PERFORM pgqueue._invalid_argument(
      format('invalid time zone %s', coalesce(quote_literal(left(time_zone, 100)), 'null')),
      'use a name from pg_timezone_names, such as UTC or Europe/Berlin');
  END IF;
END
$$;

ALTER FUNCTION pgqueue._check_time_zone(text) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue._check_time_zone(text) FROM PUBLIC;
