#!/usr/bin/env bash
# The whole test suite, on a fresh machine or an old one. Installs what the tests need, idempotently:
#   - Redis (6379), RabbitMQ (5672) and Mosquitto (1883) when their port does not answer: installed from the
#     Debian packages when running as root and absent, then started (scripts/services.sh; SKIP_SERVICES=1
#     leaves this out),
#   - the pinned TypeScript libraries (npm ci in tests/, when node_modules is missing or stale),
#   - the Python venv .venv-mongo with nx-27017 (for the MongoDB tests; installed only, nothing started),
#   - the Python venv .venv-k8s with kubernetes-validate (the k8s/ manifests are checked against the schemas),
#   - cargo-fuzz (when `cargo fuzz` is missing),
# then runs: every workspace test (cargo-nextest if present, else cargo test; the vector counts and the
# interop tables are printed), the fuzz target build, the short Rust/TypeScript benchmark comparison and
# the short REST benchmark (loadtests/rest) and the short replica benchmark (loadtests/replicas).
#
# Environment: SKIP_FUZZ=1 / SKIP_BENCH=1 leave those steps out (local use; CI runs everything).
#              NMSHD_VECTORS_DIR overrides where the vectors are (default: tests/vectors).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

CARGO_FUZZ_VERSION="0.13.2"
NX_27017_VERSION="0.8.1"
KUBERNETES_VALIDATE_VERSION="1.37.0"

# Each step's wall time is printed when the next one starts and again, all together, at the end.
step_name="" step_start=$SECONDS timings=()
step() {
    if [[ -n "$step_name" ]]; then
        timings+=("$(printf '%6ds  %s' $((SECONDS - step_start)) "$step_name")")
        printf '(%s: %ds)\n' "$step_name" $((SECONDS - step_start))
    fi
    step_name="$*" step_start=$SECONDS
    printf '\n==== %s\n' "$*"
}
die() { printf 'test-all: %s\n' "$*" >&2; exit 1; }

for tool in cargo node npm python3; do
    command -v "$tool" >/dev/null || die "$tool is not on PATH (see README.md, 'On a fresh machine')"
done

vectors_dir="${NMSHD_VECTORS_DIR:-$root/tests/vectors}"
[[ -d "$vectors_dir" ]] || die "no test vectors at $vectors_dir (set NMSHD_VECTORS_DIR or restore tests/vectors)"

if [[ "${SKIP_SERVICES:-0}" != "1" ]]; then
    step "services: Redis 6379, RabbitMQ 5672, Mosquitto 1883"
    # shellcheck source=scripts/services.sh
    source "$root/scripts/services.sh"
    ensure_services || die "a service the tests need is not running (see above)"
fi

step "node packages (tests/)"
# shellcheck source=scripts/ensure-node-packages.sh
source "$root/scripts/ensure-node-packages.sh"
ensure_node_packages

step "test vectors regenerate with the pinned TypeScript libraries (tests/node/vectors/generate.mjs)"
node tests/node/vectors/generate.mjs

step "python venv .venv-mongo (nx-27017 $NX_27017_VERSION)"
venv="$root/.venv-mongo"
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
if "$venv/bin/python" -m pip show nx-27017 2>/dev/null | grep -qx "Version: $NX_27017_VERSION"; then
    echo "up to date"
else
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "nx-27017==$NX_27017_VERSION"
    "$venv/bin/python" -m pip show nx-27017 | grep -x "Version: $NX_27017_VERSION" \
        || die "nx-27017 $NX_27017_VERSION did not install into $venv"
fi

step "python venv .venv-k8s (kubernetes-validate $KUBERNETES_VALIDATE_VERSION)"
k8s_venv="$root/.venv-k8s"
if [[ ! -x "$k8s_venv/bin/python" ]]; then
    python3 -m venv "$k8s_venv"
fi
if "$k8s_venv/bin/python" -m pip show kubernetes-validate 2>/dev/null | grep -qx "Version: $KUBERNETES_VALIDATE_VERSION"; then
    echo "up to date"
else
    "$k8s_venv/bin/python" -m pip install --quiet --disable-pip-version-check "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
fi

step "k8s manifests against the Kubernetes 1.31 schemas (strict)"
"$k8s_venv/bin/kubernetes-validate" --strict --kubernetes-version 1.31 k8s/*.yaml

if [[ "${SKIP_FUZZ:-0}" != "1" ]]; then
    step "cargo-fuzz"
    # Installed inside the checkout (.tools/, git-ignored) so nothing is cached outside the repository.
    export PATH="$root/.tools/bin:$PATH"
    if cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
        cargo fuzz --version
    else
        cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION" --root "$root/.tools"
    fi
fi

step "workspace tests"
test_log="$(mktemp)"
trap 'rm -f "$test_log"' EXIT
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --config-file "$root/scripts/nextest.toml" 2>&1 | tee "$test_log"
    # nextest closes with "Summary [...] N tests run: P passed, ..." (and "F failed" when some did).
    summary="$(grep -E '^ *Summary \[' "$test_log" | tail -1)"
    passed="$(grep -oE '[0-9]+ passed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)"
    failed="$(grep -oE '[0-9]+ failed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)"
    # nextest reports each test as "PASS [   1.234s] binary test"
    echo "slowest 10 tests:"
    grep -E '^ *(PASS|FAIL|SLOW|TIMEOUT) +\[ *[0-9.]+s\]' "$test_log" \
        | sed -E 's/^ *[A-Z]+ +\[ *([0-9.]+)s\] */\1s  /' | sort -rn | head -10 || true
else
    echo "cargo-nextest not found: using cargo test"
    cargo test --workspace --no-fail-fast 2>&1 | tee "$test_log"
    # The vector counts and interop tables are printed only with --nocapture: run those again, visibly.
    cargo test -p nmshd-wire --test vectors -- --nocapture every_vector_passes
    cargo test -p nmshd-crypto --test node_interop -- --nocapture
    # Sum the "test result: ok. P passed; F failed; ..." line of every test binary.
    read -r passed failed < <(awk '/^test result:/ {
        for (i = 1; i < NF; i++) { if ($(i + 1) ~ /^passed/) p += $i; if ($(i + 1) ~ /^failed/) f += $i }
    } END { print p + 0, f + 0 }' "$test_log")
fi
[[ "${passed:-0}" -gt 0 ]] || die "the test run reported no passed test"

if [[ "${SKIP_FUZZ:-0}" != "1" ]]; then
    step "fuzz targets build (cargo fuzz build --sanitizer none, stable Rust)"
    cargo fuzz build --sanitizer none
    echo "built $(cargo fuzz list | wc -l) fuzz targets: $(cargo fuzz list | paste -sd' ')"
fi

if [[ "${SKIP_BENCH:-0}" != "1" ]]; then
    step "benchmarks: Rust vs @nmshd/crypto (short)"
    loadtests/crypto/compare.sh --short
    # The workspace test build made these binaries (tests/api runs `connector`, the loadtests' CLI
    # tests their own): `cargo build -p …` here would compile much of the workspace again, because
    # a build of a few packages unifies other features than the test build of all of them.
    rest_bin="${CARGO_TARGET_DIR:-$root/target}/debug"
    for binary in connector loadtest-rest loadtest-replicas; do
        [[ -x "$rest_bin/$binary" ]] || die "$rest_bin/$binary is missing: the workspace test build makes it"
    done
    step "benchmarks: REST, two Connectors on the dev Backbone (short, debug build)"
    "$rest_bin/loadtest-rest" --short --connector "$rest_bin/connector"
    step "benchmarks: one identity on 1, 2 and 3 replicas (short, debug build, MongoDB stand-in + Redis)"
    "$rest_bin/loadtest-replicas" --short --connector "$rest_bin/connector" --standin "$venv/bin/nx-27017"
    step "benchmarks: durable events to one webhook, 1 and 3 replicas (short, debug build)"
    "$rest_bin/loadtest-replicas" --events --short --connector "$rest_bin/connector" --standin "$venv/bin/nx-27017"
fi

step "done"
echo "time per step (wall):"
printf '%s\n' "${timings[@]}"
echo "test-all: ${passed} passed, ${failed:-0} failed"
