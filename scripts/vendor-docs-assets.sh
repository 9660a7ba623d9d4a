#!/usr/bin/env bash
# Refreshes assets/docs/: the Swagger UI and RapiDoc files the binary serves under /docs (embedded at
# build time, so the docs pages need no network at run time), taken from their npm packages
# (`npm pack`), gzipped; with their licences.
set -euo pipefail
SWAGGER_UI=swagger-ui-dist@5.29.3
RAPIDOC=rapidoc@9.3.8
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/assets/docs
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack --silent "$SWAGGER_UI" "$RAPIDOC" >/dev/null
mkdir swagger rapidoc
tar xzf swagger-ui-dist-*.tgz -C swagger
tar xzf rapidoc-*.tgz -C rapidoc
mkdir -p "$OUT"
for f in swagger-ui-bundle.js swagger-ui-standalone-preset.js swagger-ui.css favicon-32x32.png; do
  gzip -9 -n -c "swagger/package/$f" > "$OUT/$f.gz"
done
cp swagger/package/LICENSE "$OUT/swagger-ui-LICENSE"
cp swagger/package/NOTICE "$OUT/swagger-ui-NOTICE"
gzip -9 -n -c rapidoc/package/dist/rapidoc-min.js > "$OUT/rapidoc-min.js.gz"
cp rapidoc/package/LICENSE.txt "$OUT/rapidoc-LICENSE" 2>/dev/null || cp rapidoc/package/LICENSE "$OUT/rapidoc-LICENSE"
echo "$SWAGGER_UI $RAPIDOC" > "$OUT/VERSIONS"
ls -la "$OUT"
