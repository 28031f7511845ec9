#!/usr/bin/env bash
# The long chaos run (not run by CI): the same races as tests/PgQueue.Chaos.Tests, bigger.
#   scripts/chaos.sh [WORKERS=10] [BATCHES=100] [TASKS_PER_BATCH=5] [KILLS=30] [TASK_MS=20] [SEED=random] [DEADLINE_S=600]
# Each race (SIGKILLed workers; PostgreSQL restarted mid-run; SIGKILLed workers behind PgBouncer in transaction mode)
# runs on its own private cluster; the PostgreSQL-restart race uses no kills. Pass SEED to replay a failed run (the
# seed is in the test output). Extra arguments after -- go to dotnet test, e.g. -- --filter PgBouncer.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=()
while [[ $# -gt 0 && "$1" != "--" ]]; do sizes+=("$1"); shift; done
[[ "${1:-}" == "--" ]] && shift
export PGQUEUE_CHAOS_WORKERS=${sizes[0]:-10}
export PGQUEUE_CHAOS_BATCHES=${sizes[1]:-100}
export PGQUEUE_CHAOS_TASKS=${sizes[2]:-5}
export PGQUEUE_CHAOS_KILLS=${sizes[3]:-30}
export PGQUEUE_CHAOS_TASK_MS=${sizes[4]:-20}
if [[ -n "${sizes[5]:-}" ]]; then export PGQUEUE_CHAOS_SEED=${sizes[5]}; fi
export PGQUEUE_CHAOS_DEADLINE_S=${sizes[6]:-600}
echo "chaos: $PGQUEUE_CHAOS_WORKERS workers, $PGQUEUE_CHAOS_BATCHES batches x $PGQUEUE_CHAOS_TASKS tasks of ${PGQUEUE_CHAOS_TASK_MS}ms, $PGQUEUE_CHAOS_KILLS kills" >&2
exec dotnet test tests/PgQueue.Chaos.Tests --logger "console;verbosity=detailed" "$@"
