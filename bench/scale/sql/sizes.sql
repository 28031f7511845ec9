-- sizes.sql: one CSV line of storage figures for the bloat study (bytes; vacuum counters from pg_stat_user_tables):
-- tasks heap, tasks indexes, tasks total (with TOAST, FSM, VM), batches heap, batches indexes, batches total,
-- tasks dead tuples, tasks autovacuum runs, batches autovacuum runs, pending tasks.
SELECT concat_ws(',',
         pg_relation_size('pgqueue.tasks'), pg_indexes_size('pgqueue.tasks'), pg_total_relation_size('pgqueue.tasks'),
         pg_relation_size('pgqueue.batches'), pg_indexes_size('pgqueue.batches'),
         pg_total_relation_size('pgqueue.batches'),
         (SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = 'pgqueue.tasks'::regclass),
         (SELECT autovacuum_count FROM pg_stat_user_tables WHERE relid = 'pgqueue.tasks'::regclass),
         (SELECT autovacuum_count FROM pg_stat_user_tables WHERE relid = 'pgqueue.batches'::regclass),
         (SELECT count(*) FROM pgqueue.tasks))
