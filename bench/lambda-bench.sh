#!/usr/bin/env bash
# The Lambda bench: an empty invocation's round trips, statements and time next to a bare SELECT 1, and tasks per
# invocation for 2 s tasks with the default 50 s budget next to one task per invocation (about a minute).
# Figures are this machine's; read the ratios. It never passes or fails on a timing.
#   bash bench/lambda-bench.sh [--warm-runs 50] [--task-seconds 2] [--budget 50s]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run -c Release --project bench/PgQueue.Lambda.Bench -- "$@"
