-- _next_cron_slot
-- The first slot of cron (already-checked zone) strictly after `after`. Clock changes as Cronos handles them: a
-- local time skipped by a jump forward runs when the gap ends (several skipped times make one slot); in the
-- repeated hour a fixed expression runs in the first pass only, one with *, a range or a step in its minute or
-- hour field in both. Raises PQ004 on a bad cron (via _parse_cron). Internal: next_cron_run checks the zone.
CREATE OR REPLACE FUNCTION pgqueue._next_cron_slot(cron text, time_zone text, after timestamptz)
RETURNS timestamptz
LANGUAGE plpgsql
STABLE
AS $$
#variable_conflict use_column
DECLARE
  c record;
  v_day date;
  v_last_day date;
  v_local timestamp;
  v_instant timestamptz;
  v_best timestamptz;
  v_offset_before interval;
  v_offset_after interval;
  v_first timestamptz;
  v_second timestamptz;
  v_first_valid boolean;
  v_second_valid boolean;
  v_gap_end timestamptz;
  v_low bigint;
  v_high bigint;
  v_mid bigint;
  h integer;
  m integer;
BEGIN
  SELECT p.* INTO c FROM pgqueue._parse_cron(cron) AS p;
  v_day := (after AT TIME ZONE time_zone)::date;
  -- _parse_cron refused expressions that never fire; every other one fires within a few decades.
  v_last_day := v_day + interval '60 years';

  WHILE v_day <= v_last_day LOOP
    IF NOT extract(month FROM v_day)::integer = ANY (c.months) THEN
      v_day := (date_trunc('month', v_day) + interval '1 month')::date;
      CONTINUE;
    END IF;
    -- cron(8): if either day field starts with *, both must match; otherwise either is enough.
    IF (c.any_day_of_month OR c.any_day_of_week)
         AND extract(day FROM v_day)::integer = ANY (c.days) AND extract(dow FROM v_day)::integer = ANY (c.weekdays)
       OR NOT (c.any_day_of_month OR c.any_day_of_week)
         AND (extract(day FROM v_day)::integer = ANY (c.days) OR extract(dow FROM v_day)::integer = ANY (c.weekdays)) THEN
      v_offset_before := ((v_day - 1)::timestamp AT TIME ZONE time_zone) AT TIME ZONE 'UTC' - (v_day - 1)::timestamp;
      v_offset_after := ((v_day + 2)::timestamp AT TIME ZONE time_zone) AT TIME ZONE 'UTC' - (v_day + 2)::timestamp;
      v_offset_before := -v_offset_before;
      v_offset_after := -v_offset_after;
      IF v_offset_before = v_offset_after THEN
        -- No clock change near this day: local order is instant order, the first match after `after` wins.
        FOREACH h IN ARRAY c.hours LOOP
          FOREACH m IN ARRAY c.minutes LOOP
            v_instant := (v_day + make_interval(hours => h, mins => m)) AT TIME ZONE time_zone;
            IF v_instant > after THEN
              RETURN v_instant;
            END IF;
          END LOOP;
        END LOOP;
      ELSE
        -- A clock change day: map every local match to its instant(s) and take the earliest after `after`.
        v_best := NULL;
        v_gap_end := NULL;
        FOREACH h IN ARRAY c.hours LOOP
          FOREACH m IN ARRAY c.minutes LOOP
            v_local := v_day + make_interval(hours => h, mins => m);
            v_first := (v_local - v_offset_before) AT TIME ZONE 'UTC';
            v_second := (v_local - v_offset_after) AT TIME ZONE 'UTC';
            v_first_valid := (v_first AT TIME ZONE time_zone) = v_local;
            v_second_valid := (v_second AT TIME ZONE time_zone) = v_local;
            IF v_first_valid AND v_second_valid AND v_first <> v_second THEN
              -- The repeated hour: the first pass always, the second only for a repeating expression.
              v_instant := least(v_first, v_second);
              IF v_instant <= after AND c.repeats_in_hour THEN
                v_instant := greatest(v_first, v_second);
              END IF;
            ELSIF v_first_valid THEN
              v_instant := v_first;
            ELSIF v_second_valid THEN
              v_instant := v_second;
            ELSE
              -- Skipped by a jump forward: it runs when the gap ends, the instant the offset changes.
              IF v_gap_end IS NULL THEN
                v_low := extract(epoch FROM least(v_first, v_second))::bigint - 1;
                v_high := extract(epoch FROM greatest(v_first, v_second))::bigint + 1;
                WHILE v_high - v_low > 1 LOOP
                  v_mid := (v_low + v_high) / 2;
                  IF (to_timestamp(v_mid) AT TIME ZONE time_zone) - (to_timestamp(v_mid) AT TIME ZONE 'UTC')
                     = v_offset_after THEN
                    v_high := v_mid;
                  ELSE
                    v_low := v_mid;
                  END IF;
                END LOOP;
                v_gap_end := to_timestamp(v_high);
              END IF;
              v_instant := v_gap_end;
            END IF;
            IF v_instant > after AND (v_best IS NULL OR v_instant < v_best) THEN
              v_best := v_instant;
            END IF;
          END LOOP;
        END LOOP;
        IF v_best IS NOT NULL THEN
          RETURN v_best;
        END IF;
      END IF;
    END IF;
    v_day := v_day + 1;
  END LOOP;
  PERFORM pgqueue._invalid_argument(format('cron %s does not fire within 60 years', quote_literal(left(cron, 100))));
END
$$;

ALTER FUNCTION pgqueue._next_cron_slot(text, text, timestamptz) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue._next_cron_slot(text, text, timestamptz) FROM PUBLIC;
