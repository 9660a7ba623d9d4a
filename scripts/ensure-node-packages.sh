# Sourced by scripts/test-all.sh and scripts/selfcheck.sh (run from the repository root): installs the pinned
# TypeScript libraries in tests/ with `npm ci`, but only when the installed tree is missing or stale, since
# npm ci wipes node_modules first. Stale: npm's own record of the installed tree
# (node_modules/.package-lock.json) older than the manifests, or `npm ls` finding a missing or mismatched
# package.
ensure_node_packages() {
    local installed="tests/node_modules/.package-lock.json"
    if [[ -f "$installed" && ! tests/package-lock.json -nt "$installed" && ! tests/package.json -nt "$installed" ]] \
        && (cd tests && npm ls --all >/dev/null 2>&1); then
        echo "node packages in tests/ are up to date"
    else
        (cd tests && npm ci --no-audit --no-fund)
    fi
}
