#!/usr/bin/env bash
# Runs the same crypto operations with the Rust crate (criterion bench `crypto` of nmshd-crypto) and with
# @nmshd/crypto 2.1.3 on node, then prints ops/s per side and the Rust/TS ratio.
#
# Usage: loadtests/crypto/compare.sh [--short]
#   --short  a few seconds per operation and side (CI); default is a longer, steadier run.
# Needs cargo, node and tests/node_modules (`npm ci` in tests/; scripts/test-all.sh does it).
# Results: the table on stdout, JSON under ${CARGO_TARGET_DIR:-target}/crypto-bench/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
mode="full"
case "${1:-}" in
    "") ;;
    --short) mode="short" ;;
    *) echo "usage: $0 [--short]" >&2; exit 2 ;;
esac

if [[ ! -f "$root/tests/node_modules/@nmshd/crypto/package.json" ]]; then
    echo "tests/node_modules is missing: run \`npm ci\` in tests/ (scripts/test-all.sh does it)" >&2
    exit 1
fi

target_dir="${CARGO_TARGET_DIR:-$root/target}"
out="$target_dir/crypto-bench"
# criterion writes its estimates here; a fresh directory so a stale result is never reported.
export CRITERION_HOME="$out/criterion"
rm -rf "$CRITERION_HOME"
mkdir -p "$out"

if [[ "$mode" == "short" ]]; then
    criterion_args=(--warm-up-time 1 --measurement-time 2 --sample-size 10)
    node_seconds=2
else
    criterion_args=(--warm-up-time 3 --measurement-time 10 --sample-size 50)
    node_seconds=10
fi

echo "== Rust: cargo bench -p nmshd-crypto --bench crypto ($mode)"
(cd "$root" && cargo bench -p nmshd-crypto --bench crypto -- "${criterion_args[@]}" --noplot)

echo "== TypeScript: node loadtests/crypto/bench.mjs ($mode)"
node "$root/loadtests/crypto/bench.mjs" --seconds "$node_seconds" --json "$out/node.json"

node "$root/loadtests/crypto/report.mjs" --criterion "$CRITERION_HOME" --node "$out/node.json" --json "$out/report.json"
