-- batch_status
-- One row per batch: pending and dead counts, the head task, the live lease, and why the batch is not moving
-- (state: runnable, paused, leased, head delayed, empty). For operators; no payloads or errors here.
CREATE OR REPLACE VIEW pgqueue.batch_status AS
SELECT b.batch_id,
       coalesce(p.pending, 0) AS pending,
       s.state = 'runnable' AS runnable,
       now() - p.oldest_enqueued_at AS oldest_pending_age,
       CASE WHEN s.live_lease THEN b.lease_owner END AS owner,
       CASE WHEN s.live_lease THEN b.lease_expires_at END AS lease_expires_at,
       b.paused,
       coalesce(d.dead, 0) AS dead,
       s.state,
       h.id AS head_task_id,
       h.attempts AS head_attempts,
       h.run_after AS head_run_after
  FROM pgqueue.batches AS b
  LEFT JOIN LATERAL (
    SELECT count(*) AS pending, min(t.enqueued_at) AS oldest_enqueued_at
      FROM pgqueue.tasks AS t
     WHERE t.batch_id = b.batch_id
  ) AS p ON true
  LEFT JOIN LATERAL (
    SELECT count(*) AS dead FROM pgqueue.dead_tasks AS dt WHERE dt.batch_id = b.batch_id
  ) AS d ON true
  LEFT JOIN LATERAL (
    SELECT t.id, t.attempts, t.run_after
      FROM pgqueue.tasks AS t
     WHERE t.batch_id = b.batch_id
     ORDER BY t.id
     LIMIT 1
  ) AS h ON true
  CROSS JOIN LATERAL (
    SELECT b.lease_token IS NOT NULL AND b.lease_expires_at > clock_timestamp() AS live_lease
  ) AS l
  CROSS JOIN LATERAL (
    SELECT l.live_lease,
           CASE
             WHEN b.paused THEN 'paused'
             WHEN l.live_lease THEN 'leased'
             WHEN h.id IS NULL THEN 'empty'
             WHEN h.run_after > clock_timestamp() THEN 'head delayed'
             ELSE 'runnable'
           END AS state
  ) AS s;

ALTER VIEW pgqueue.batch_status OWNER TO pgqueue_owner;
REVOKE ALL ON pgqueue.batch_status FROM PUBLIC;
GRANT SELECT ON pgqueue.batch_status TO pgqueue_producer, pgqueue_worker, pgqueue_admin;
