#!/usr/bin/env bash
# Checks an OCI archive written by `scripts/build-image.sh --save FILE` with `skopeo inspect`: the image
# runs as a non-root user, has the connector as entrypoint and `start` as command, exposes 8080/tcp,
# and k8s/*.yaml deploy exactly this image (name and tag). Exits 1 naming every check that failed.
set -euo pipefail

[[ $# -eq 1 && -f "$1" ]] || { echo "usage: scripts/check-image.sh ARCHIVE.tar" >&2; exit 2; }
archive="$1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

config="$(skopeo inspect --config "oci-archive:$archive")"
# The image's name as podman/skopeo stored it in the archive's index.
name="$(tar -xOf "$archive" index.json)"
manifests="$(cat "$root"/k8s/*.yaml)"

CONFIG="$config" INDEX="$name" MANIFESTS="$manifests" python3 - <<'EOF'
import json, os, re, sys

config = json.loads(os.environ["CONFIG"]).get("config", {})
index = json.loads(os.environ["INDEX"])
names = [m.get("annotations", {}).get("org.opencontainers.image.ref.name", "") for m in index.get("manifests", [])]
deployed = re.findall(r"^\s*image:\s*(\S+)\s*$", os.environ["MANIFESTS"], re.M)

failures = []
def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)

user = config.get("User", "")
uid, _, gid = user.partition(":")
check(uid.isdigit() and int(uid) != 0 and (gid == "" or (gid.isdigit() and int(gid) != 0)),
      f"user is a numeric non-root uid[:gid] (User={user!r})")
entrypoint = config.get("Entrypoint") or []
check(entrypoint == ["/usr/local/bin/connector"], f"entrypoint is the connector (Entrypoint={entrypoint})")
check((config.get("Cmd") or []) == ["start"], f"default command is start (Cmd={config.get('Cmd')})")
ports = sorted((config.get("ExposedPorts") or {}).keys())
check(ports == ["8080/tcp"], f"exposes 8080/tcp (ExposedPorts={ports})")
env = dict(e.split("=", 1) for e in config.get("Env") or [])
check(env.get("infrastructure__httpServer__port") == "8080", "listens on the exposed port (infrastructure__httpServer__port=8080)")
check(len(names) == 1 and names[0] != "", f"the archive names one image ({names})")
check(bool(deployed) and all(d in names for d in deployed), f"k8s/*.yaml deploy this image ({deployed})")

if failures:
    sys.exit(f"check-image: {len(failures)} check(s) failed")
print("check-image: all checks passed")
EOF
