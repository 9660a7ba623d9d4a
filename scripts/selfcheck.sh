#!/usr/bin/env bash
# The crypto self-check, the project's main job until `connector dev` can start a sandbox: checks every test
# vector of the real TypeScript libraries in tests/vectors (counts per file are printed), then runs the
# two-way interop test against the real @nmshd/crypto 2.1.3 on node with fresh random material.
# Installs the pinned node packages in tests/ when they are missing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

for tool in cargo node npm; do
    command -v "$tool" >/dev/null || { echo "selfcheck: $tool is not on PATH" >&2; exit 1; }
done
vectors_dir="${NMSHD_VECTORS_DIR:-$root/tests/vectors}"
[[ -d "$vectors_dir" ]] || { echo "selfcheck: no test vectors at $vectors_dir (set NMSHD_VECTORS_DIR)" >&2; exit 1; }

# shellcheck source=scripts/ensure-node-packages.sh
source "$root/scripts/ensure-node-packages.sh"
ensure_node_packages

echo "==== test vectors from the TypeScript libraries"
cargo test -p nmshd-wire --test vectors -- --nocapture every_vector_passes
echo "==== two-way interop with @nmshd/crypto 2.1.3 on node"
cargo test -p nmshd-crypto --test node_interop -- --nocapture
