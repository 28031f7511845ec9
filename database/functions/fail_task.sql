-- fail_task
-- Records a failed attempt of the head task (call it after rolling back the work's transaction) and returns
-- 'retry' (it stays the head and waits retry_after, or an exponential backoff with jitter) or 'dead' (it used up
-- max_attempts and moved to dead_tasks; the batch goes on).
-- Raises PQ001 if the lease is lost, PQ003 if the task is not this lease's head task, PQ004 on a negative retry_after.
CREATE OR REPLACE FUNCTION pgqueue.fail_task(
  task_id bigint,
  lease_token bigint,
  error text,
  retry_after interval DEFAULT NULL
)
RETURNS text
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pgqueue, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  v_task pgqueue.tasks%ROWTYPE;
  v_settings pgqueue.settings%ROWTYPE;
  v_error text := left(coalesce(fail_task.error, 'no error message given'), 10000);
  v_backoff interval;
BEGIN
  IF fail_task.retry_after < interval '0' THEN
    PERFORM pgqueue._invalid_argument(format('retry_after must not be negative, got %s', fail_task.retry_after));
  END IF;
  v_task := pgqueue._head_task(fail_task.task_id, fail_task.lease_token);

  IF v_task.attempts + 1 >= v_task.max_attempts THEN
    PERFORM pgqueue._move_to_dead(v_task.id, v_task.attempts + 1, v_error);
    RETURN 'dead';
  END IF;

  SELECT s.* INTO v_settings FROM pgqueue.settings AS s;
  -- base * 2^(tries so far - 1), capped, times a jitter in [0.5, 1) so failing batches do not retry in step.
  v_backoff := coalesce(
    fail_task.retry_after,
    least(v_settings.backoff_cap, v_settings.backoff_base * power(2, least(v_task.attempts, 30)))
      * (0.5 + random() / 2));
  UPDATE pgqueue.tasks AS t
     SET attempts = t.attempts + 1,
         run_after = clock_timestamp() + v_backoff,
         last_error = v_error,
         last_failed_at = clock_timestamp()
   WHERE t.id = v_task.id;
  RETURN 'retry';
END
$$;

COMMENT ON FUNCTION pgqueue.fail_task(bigint, bigint, text, interval) IS
  'Records a failed attempt of the head task (after rolling back the work) and returns retry (it waits retry_after or an exponential backoff with jitter) or dead (moved to dead_tasks; the batch goes on).';
ALTER FUNCTION pgqueue.fail_task(bigint, bigint, text, interval) OWNER TO pgqueue_owner;
REVOKE ALL ON FUNCTION pgqueue.fail_task(bigint, bigint, text, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgqueue.fail_task(bigint, bigint, text, interval) TO pgqueue_worker;
