// worker-graphile.mjs — one graphile-worker process: run() with the given concurrency, a zero-work task.
// Defaults everywhere (pollInterval, no localQueue, no completeJobBatchDelay: one commit per job) except
// that per-job success lines are not logged (NO_LOG_SUCCESS, set by bench.mjs) and only warnings and errors are
// printed, and the pool has max(10, concurrency + 2) connections as its docs advise.
import { Logger, run } from 'graphile-worker';
import { startChild } from './child.mjs';
import { graphileOptions } from './config.mjs';

let runner = null;
let options = null;

const quietLogger = new Logger((scope) => (level, message) => {
  if (level === 'error' || level === 'warning') console.error(`graphile-worker ${level}: ${message}`);
});

startChild({
  name: 'graphile-worker',
  async init(cfg, { record, report }) {
    options = {
      connectionString: cfg.url,
      schema: cfg.schema,
      ...graphileOptions(cfg.concurrency),
      noHandleSignals: true,
      logger: quietLogger,
      taskList: {
        noop: async (payload, helpers) => {
          record(payload.i, helpers.job.attempts);
        },
      },
    };
    this.report = report;
  },
  async go() {
    runner = await run(options);
    runner.events.on('job:error', ({ error }) => this.report(error));
    runner.events.on('pool:fatalError', ({ error }) => this.report(error));
  },
  async stop() {
    if (runner) await runner.stop();
  },
});
