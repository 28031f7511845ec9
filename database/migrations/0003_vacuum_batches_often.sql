-- 0003_vacuum_batches_often: every claim and release moves a batch in or out of the claim index, leaving a dead
-- index entry ahead of the range an idle claim reads until VACUUM removes it. Vacuuming pgqueue.batches after a few
-- hundred such updates (instead of 20% of the table) keeps an idle claim's cost flat however many batches drained
-- recently. Not breaking: storage parameters only.
ALTER TABLE pgqueue.batches SET (
  autovacuum_vacuum_scale_factor = 0,
  autovacuum_vacuum_threshold = 500,
  autovacuum_vacuum_cost_delay = 0,
  autovacuum_analyze_scale_factor = 0.05
);
