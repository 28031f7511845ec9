// worker-pgboss.mjs — one pg-boss process: work() with localConcurrency = N, batchSize 1 (one fetch and one
// completion per job), a zero-work handler.
//
// Polling: pollingIntervalSeconds 0.5, the smallest pg-boss accepts. pg-boss waits that long after *every* fetch
// (not only an empty one) unless a burst trigger is active, so at batchSize 1 a worker would do at most two jobs a
// second. Its documented way to drain a backlog is burstWhenReadyExceeds: while the queue's cached ready count is
// above it and the last fetch was full, the worker fetches again at once. bench.mjs refreshes the queue's stats
// after enqueuing and before this process starts, so the cache holds the real backlog from the first fetch on.
import { PgBoss } from 'pg-boss';
import { startChild } from './child.mjs';
import { pgBossOptions, pgBossWorkOptions } from './config.mjs';

let boss = null;
let cfg = null;
let handlers = null;

startChild({
  name: 'pg-boss',
  async init(config, { record, report }) {
    cfg = config;
    handlers = { record, report };
    boss = new PgBoss({
      connectionString: cfg.url,
      schema: cfg.schema,
      ...pgBossOptions(cfg.concurrency),
    });
    boss.on('error', report);
    await boss.start();
  },
  async go() {
    await boss.work(cfg.queue, pgBossWorkOptions(cfg.concurrency), async (jobs) => {
      for (const job of jobs) handlers.record(job.data.i);
    });
  },
  async stop() {
    await boss.stop({ graceful: true, wait: true, timeout: 30_000 });
  },
});
