-- _parse_cron
-- Parses a 5-field cron expression (cron(8)'s dialect, DESIGN.md) into the sets of minutes, hours, days of month,
-- months and weekdays (0 = Sunday) it matches. Raises PQ004 on anything else, and on expressions that never fire.
CREATE OR REPLACE FUNCTION pgqueue._parse_cron(
  cron text,
  OUT minutes integer[],
  OUT hours integer[],
  OUT days integer[],
  OUT months integer[],
  OUT weekdays integer[],
  OUT any_day_of_month boolean,
  OUT any_day_of_week boolean,
  OUT repeats_in_hour boolean
)
LANGUAGE plpgsql
IMMUTABLE
AS $$
#variable_conflict use_column
DECLARE
  v_fields text[];
  v_field text;
  v_item text;
  v_parts text[];
  v_low integer;
  v_high integer;
  v_step integer;
  v_values integer[];
  v_min integer;
  v_max integer;
  v_names text[];
  v_hint constant text := 'five fields: minute hour day-of-month month day-of-week, with *, lists, ranges and steps';
BEGIN
  IF cron IS NULL THEN
    PERFORM pgqueue._invalid_argument('cron must not be null', v_hint);
  END IF;
  v_fields := regexp_split_to_array(btrim(cron, E' \t'), E'[ \t]+');
  IF array_length(v_fields, 1) IS DISTINCT FROM 5 OR v_fields[1] = '' THEN
    PERFORM pgqueue._invalid_argument(format('invalid cron %s: expected 5 fields', quote_literal(left(cron, 100))), v_hint);
  END IF;

  FOR v_index IN 1..5 LOOP
    v_field := v_fields[v_index];
    v_min := (ARRAY[0, 0, 1, 1, 0])[v_index];
    v_max := (ARRAY[59, 23, 31, 12, 7])[v_index];
    v_names := CASE v_index
                 WHEN 4 THEN ARRAY['JAN','FEB','MAR','APR','MAY','JUN','JUL','AUG','SEP','OCT','NOV','DEC']
                 WHEN 5 THEN ARRAY['SUN','MON','TUE','WED','THU','FRI','SAT']
               END;
    v_values := '{}';
    FOREACH v_item IN ARRAY string_to_array(v_field, ',') LOOP
      -- item := (* | value | value-value) [/step]; a step needs * or a range (a/n is refused, as in cron(8)).
      v_parts := regexp_match(upper(v_item), '^(\*|([0-9]{1,2}|[A-Z]{3})(-([0-9]{1,2}|[A-Z]{3}))?)(/([0-9]{1,2}))?$');
      IF v_parts IS NULL OR (v_parts[5] IS NOT NULL AND v_parts[1] <> '*' AND v_parts[3] IS NULL) THEN
        PERFORM pgqueue._invalid_argument(
          format('invalid cron %s: bad item %s in field %s', quote_literal(left(cron, 100)), quote_literal(v_item), v_index), v_hint);
      END IF;
      IF v_parts[1] = '*' THEN
        v_low := v_min;
        v_high := CASE v_index WHEN 5 THEN 6 ELSE v_max END;
      ELSE
        v_low := CASE WHEN v_parts[2] ~ '^[0-9]+$' THEN v_parts[2]::integer ELSE array_position(v_names, v_parts[2]) - CASE v_index WHEN 5 THEN 1 ELSE 0 END END;
        v_high := CASE WHEN v_parts[3] IS NULL THEN v_low
                       WHEN v_parts[4] ~ '^[0-9]+$' THEN v_parts[4]::integer
                       ELSE array_position(v_names, v_parts[4]) - CASE v_index WHEN 5 THEN 1 ELSE 0 END END;
        IF v_low IS NULL OR v_high IS NULL OR v_low NOT BETWEEN v_min AND v_max OR v_high NOT BETWEEN v_min AND v_max
           OR v_high < v_low THEN
          PERFORM pgqueue._invalid_argument(
            format('invalid cron %s: %s in field %s is out of range %s-%s or reversed',
                   quote_literal(left(cron, 100)), quote_literal(v_item), v_index, v_min, v_max), v_hint);
        END IF;
      END IF;
      v_step := coalesce(v_parts[6]::integer, 1);
      IF v_step NOT BETWEEN 1 AND (CASE v_index WHEN 5 THEN 7 ELSE v_max - v_min + 1 END) THEN
        PERFORM pgqueue._invalid_argument(
          format('invalid cron %s: step %s in field %s is out of range', quote_literal(left(cron, 100)), v_step, v_index), v_hint);
      END IF;
      -- 7 is Sunday too, also inside ranges (5-7 = Fri-Sun).
      v_values := v_values || ARRAY(SELECT CASE WHEN v_index = 5 AND g = 7 THEN 0 ELSE g END
                                      FROM generate_series(v_low, v_high, v_step) AS g);
    END LOOP;
    v_values := ARRAY(SELECT DISTINCT v FROM unnest(v_values) AS v ORDER BY v);
    CASE v_index
      WHEN 1 THEN minutes := v_values;
      WHEN 2 THEN hours := v_values;
      WHEN 3 THEN days := v_values;
      WHEN 4 THEN months := v_values;
      ELSE weekdays := v_values;
    END CASE;
  END LOOP;

  any_day_of_month := left(v_fields[3], 1) = '*';
  any_day_of_week := left(v_fields[5], 1) = '*';
  -- Cronos' rule for the repeated hour of a clock change: an expression with *, a range or a step in its minute or
  -- hour field runs in both passes; a fixed one runs once.
  repeats_in_hour := v_fields[1] ~ '[*/-]' OR v_fields[2] ~ '[*/-]';

  -- Day fields: if either starts with *, both must match, and then a day of month that no month has never fires
  -- (weekdays cycle through every date over the years). Otherwise any listed weekday fires.
  IF (any_day_of_month OR any_day_of_week) AND NOT EXISTS (
       SELECT 1 FROM unnest(months) AS m, unnest(days) AS d
        WHERE d <= (ARRAY[31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[m]) THEN
    PERFORM pgqueue._invalid_argument(
      format('invalid cron %s: it never fires (no month has that day)', quote_literal(left(cron, 100))), v_hint);
  END IF;
END
$$;

ALTER FUNCTION pgqueue._parse_cron(text) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue._parse_cron(text) FROM PUBLIC;
