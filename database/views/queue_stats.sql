-- queue_stats
-- One row of totals: batches, pending tasks, batches leased / paused / claimable now, dead tasks, and the age of
-- the oldest pending task.
CREATE OR REPLACE VIEW pgqueue.queue_stats AS
SELECT (SELECT count(*) FROM pgqueue.batches) AS batches,
       (SELECT count(*) FROM pgqueue.tasks) AS pending,
       (SELECT count(*) FROM pgqueue.batches AS b
         WHERE b.lease_token IS NOT NULL AND b.lease_expires_at > clock_timestamp()) AS leased_batches,
       (SELECT count(*) FROM pgqueue.batches AS b WHERE b.paused) AS paused_batches,
       (SELECT count(*) FROM pgqueue.batches AS b
         WHERE NOT b.paused AND b.head_due_at <= clock_timestamp()
           AND (b.lease_token IS NULL OR b.lease_expires_at <= clock_timestamp())) AS claimable_batches,
       (SELECT count(*) FROM pgqueue.dead_tasks) AS dead,
       now() - (SELECT min(t.enqueued_at) FROM pgqueue.tasks AS t) AS oldest_pending_age;

ALTER VIEW pgqueue.queue_stats OWNER TO pgqueue_owner;
REVOKE ALL ON pgqueue.queue_stats FROM PUBLIC;
GRANT SELECT ON pgqueue.queue_stats TO pgqueue_producer, pgqueue_worker, pgqueue_admin;
