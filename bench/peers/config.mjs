// config.mjs — the settings the bench gives each peer, in one place so that the workers use them and peers.md
// states them from the same source.

// graphile-worker: run() options besides the connection, schema, task list and logger.
export const graphileOptions = (concurrency) => ({
  concurrency,
  maxPoolSize: Math.max(10, concurrency + 2), // its docs: "10 or concurrentJobs + 2, whichever is larger"
});

// pg-boss: work() options. batchSize 1 = one fetch and one completion per job; pollingIntervalSeconds 0.5 is the
// smallest pg-boss accepts; burstWhenReadyExceeds 1 makes a worker fetch again at once while the (cached) backlog
// is above 1 and its last fetch was full, instead of waiting pollingInterval after every job.
export const pgBossWorkOptions = (concurrency) => ({
  localConcurrency: concurrency,
  batchSize: 1,
  pollingIntervalSeconds: 0.5,
  burstWhenReadyExceeds: 1,
});

// pg-boss: constructor options besides the connection and schema (pool size as for graphile-worker).
export const pgBossOptions = (concurrency) => ({
  max: Math.max(10, concurrency + 2),
});
