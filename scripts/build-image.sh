#!/usr/bin/env bash
# Builds the Connector's container image offline with podman, from the Containerfile:
#   1. the binary: `cargo build --release -p connector` (or --debug, or a given --binary);
#   2. its debug info split off: the image gets the binary without it, <target>/image/connector.debug
#      keeps it (linked by .gnu_debuglink, for symbolizing crash reports and profiles later);
#   3. a local base image made from Debian packages (`apt-get download libc6 libgcc-s1 ca-certificates`,
#      unpacked with dpkg-deb): the shared libraries the binary needs, the CA bundle, /etc/passwd with the
#      unprivileged user, /tmp. Nothing is copied from the host's system and no registry is contacted;
#   4. `podman build --pull=never` with that base and the binary;
#   5. --smoke: runs the image with `connector dev`, checks /health and Account/IdentityInfo with the
#      printed API key, stops it with SIGTERM and expects a clean exit;
#   6. --save FILE: writes the image as an OCI archive (compressed layers, named like the image).
# Prints the binary and image sizes (the goal for a release image: under 60 MB).
#
# Installs podman, buildah, skopeo, runc and binutils with apt-get when run as root and missing.
# podman runs with the runc runtime (crun refuses hosts with hybrid cgroups) and with nofile/nproc
# ulimits at or below this host's hard limits, from a containers.conf written next to the image files
# (CONTAINERS_CONF); use the same when running the image by hand:
#   CONTAINERS_CONF=target/image/containers.conf podman run ...
set -euo pipefail

usage() {
    cat <<'EOF'
usage: scripts/build-image.sh [options]
  --binary PATH         use this connector binary instead of building one
  --debug               build the debug binary (faster to build; a much larger image)
  --name NAME           image name without tag (default: localhost/enmeshed-connector-rs);
                        the tag is the binary's version (`connector --version`)
  --runtime-image IMG   use this local runtime base instead of making one from Debian packages
  --smoke               run the image with `connector dev` and check /health and IdentityInfo
  --save FILE           write the image as an OCI archive
  -h, --help            this text
EOF
}

die() { printf 'build-image: %s\n' "$*" >&2; exit 1; }
step() { printf '\n==== %s\n' "$*"; }
now_ms() { date +%s%3N; }
since() { awk -v a="$1" -v b="$(now_ms)" 'BEGIN { printf "%.1f s", (b - a) / 1000 }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1000000 }'; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

binary=""
profile="release"
name="localhost/enmeshed-connector-rs"
runtime_image=""
smoke=0
save=""
while (($#)); do
    case "$1" in
        --binary) [[ $# -ge 2 ]] || die "--binary needs a path"; binary="$2"; shift 2 ;;
        --debug) profile="debug"; shift ;;
        --name) [[ $# -ge 2 ]] || die "--name needs a value"; name="$2"; shift 2 ;;
        --runtime-image) [[ $# -ge 2 ]] || die "--runtime-image needs a value"; runtime_image="$2"; shift 2 ;;
        --smoke) smoke=1; shift ;;
        --save) [[ $# -ge 2 ]] || die "--save needs a file"; save="$2"; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
done

target_dir="${CARGO_TARGET_DIR:-$root/target}"
work="$target_dir/image"
mkdir -p "$work"

# ---------------------------------------------------------------- tools
have() { command -v "$1" >/dev/null 2>&1 || [[ -x "/usr/sbin/$1" || -x "/sbin/$1" ]]; }
apt_install() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" \
        || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"; }
}
missing=()
for tool in podman buildah skopeo runc; do have "$tool" || missing+=("$tool"); done
have objcopy || missing+=(binutils)
have curl || missing+=(curl)
if ((${#missing[@]})); then
    if [[ $EUID -eq 0 ]] && have apt-get; then
        step "installing ${missing[*]}"
        apt_install "${missing[@]}"
    else
        die "missing ${missing[*]}: install them (Debian/Ubuntu: apt-get install ${missing[*]}), or run this as root"
    fi
fi
for tool in apt-get dpkg-deb readelf python3; do
    have "$tool" || die "$tool is needed (the base image is made from Debian packages)"
done

# podman's settings for this script and for running the image by hand.
hard_limit() { local v; v="$(ulimit -H "$1")"; [[ "$v" == unlimited ]] && v=1048576; echo "$v"; }
nofile="$(hard_limit -n)"
nproc="$(hard_limit -u)"
# runc could not set an nproc limit above kernel.pid_max here (measured: 32768 passes, 32769 fails).
pid_max="$(cat /proc/sys/kernel/pid_max 2>/dev/null || echo "$nproc")"
((nproc <= pid_max)) || nproc="$pid_max"
cat >"$work/containers.conf" <<EOF
# Written by scripts/build-image.sh for this host.
[containers]
# At or below the host's hard limits (podman's defaults are higher and runc then fails).
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
# crun refuses hosts with hybrid (v1 + v2) cgroups; runc handles them.
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
export CONTAINERS_CONF="$work/containers.conf"

# ---------------------------------------------------------------- binary
kind="$profile"
if [[ -n "$binary" ]]; then
    kind="given"
else
    step "cargo build ($profile) -p connector"
    started=$SECONDS
    if [[ "$profile" == release ]]; then
        cargo build --release --locked -p connector
    else
        cargo build --locked -p connector
    fi
    echo "built in $((SECONDS - started)) s"
    binary="$target_dir/$profile/connector"
fi
[[ -x "$binary" ]] || die "no executable binary at $binary"
version="$("$binary" --version | awk '{ print $NF }')"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] || die "$binary --version did not print a version"
image="$name:$version"

step "debug info"
context="$work/context"
rm -rf "$context"
mkdir -p "$context/app"
# (grep reads all of readelf's output: an early exit would fail the pipeline under pipefail)
has_debug_info() { readelf -S --wide "$1" | grep -E '\.debug_(info|line)' >/dev/null; }
if has_debug_info "$binary"; then
    objcopy --only-keep-debug "$binary" "$work/connector.debug"
    objcopy --strip-debug --add-gnu-debuglink="$work/connector.debug" "$binary" "$context/connector"
    echo "split off into $work/connector.debug ($(mb "$(stat -c %s "$work/connector.debug")"))"
else
    cp "$binary" "$context/connector"
    echo "none in $binary"
fi
! has_debug_info "$context/connector" || die "debug info left in $context/connector"
binary_size="$(stat -c %s "$binary")"
stripped_size="$(stat -c %s "$context/connector")"

# ---------------------------------------------------------------- base image
# Copies `path` (relative to the unpacked packages in $1) into the rootfs $2, following symlinks
# inside the packages (absolute links point into the packages, never at the host); prints the path
# of the file finally copied.
copy_from_packages() {
    local from="$1" to="$2" path="$3" link hops=0
    while :; do
        if [[ ! -e "$from/$path" && ! -L "$from/$path" && -e "$from/usr/$path" ]]; then
            # merged /usr (Debian 13): the package has usr/lib64/..., the system a /lib64 -> usr/lib64 link
            mkdir -p "$to/$(dirname "$path")"
            ln -sfn "/usr/$path" "$to/$path"
            path="usr/$path"
        fi
        [[ -e "$from/$path" || -L "$from/$path" ]] || die "$path is not in the Debian packages"
        mkdir -p "$to/$(dirname "$path")"
        cp -a "$from/$path" "$to/$path"
        [[ -L "$from/$path" ]] || { echo "$path"; return 0; }
        link="$(readlink "$from/$path")"
        if [[ "$link" == /* ]]; then path="${link#/}"; else path="$(dirname "$path")/$link"; fi
        ((++hops < 10)) || die "symlink loop at $path"
    done
}

needed_of() { readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

make_base() {
    local debs="$work/debs" unpacked="$work/debs-unpacked" rootfs="$work/rootfs"
    # libgcc-s1 keeps its copyright file in gcc-<N>-base, which it depends on.
    local packages=(libc6 libgcc-s1 ca-certificates)
    mapfile -t -O "${#packages[@]}" packages < <(apt-cache depends libgcc-s1 2>/dev/null | sed -n 's/^ *Depends: \(gcc-[0-9]*-base\)$/\1/p')
    mkdir -p "$debs"
    # apt downloads as the _apt user when run as root.
    if [[ $EUID -eq 0 ]] && id _apt >/dev/null 2>&1; then chown _apt "$debs"; fi
    local file wanted=()
    # The candidate versions' files, downloaded unless already here; stale package lists (a version
    # no longer on the mirror) are refreshed once when run as root.
    fetch_debs() {
        local uris absent=0
        uris="$(apt-get download --print-uris "${packages[@]}" 2>/dev/null)" && [[ -n "$uris" ]] || return 1
        wanted=()
        while read -r _ file _; do wanted+=("$file"); done <<<"$uris"
        for file in "${wanted[@]}"; do [[ -s "$debs/$file" ]] || absent=1; done
        ((absent == 0)) || (cd "$debs" && apt-get download "${packages[@]}" >/dev/null)
    }
    if ! fetch_debs; then
        [[ $EUID -eq 0 ]] || die "apt-get download ${packages[*]} failed: run apt-get update"
        apt-get update >/dev/null
        fetch_debs || die "apt-get download ${packages[*]} failed"
    fi
    echo "packages: ${wanted[*]}"

    rm -rf "$unpacked" "$rootfs"
    mkdir -p "$unpacked" "$rootfs"
    for file in "${wanted[@]}"; do dpkg-deb -x "$debs/$file" "$unpacked"; done

    # The dynamic loader and the libraries the binary needs, transitively, by name from the packages.
    local interpreter soname path queue=() seen=" "
    interpreter="$(readelf -l "$context/connector" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')"
    if [[ -n "$interpreter" ]]; then copy_from_packages "$unpacked" "$rootfs" "${interpreter#/}" >/dev/null; fi
    mapfile -t queue < <(needed_of "$context/connector")
    while ((${#queue[@]})); do
        soname="${queue[0]}"
        queue=("${queue[@]:1}")
        [[ "$seen" == *" $soname "* ]] && continue
        seen+="$soname "
        path="$(cd "$unpacked" && { find lib usr/lib -name "$soname" 2>/dev/null || true; } | sort | sed -n 1p)"
        [[ -n "$path" ]] || die "the binary needs $soname, which ${packages[*]} do not provide"
        path="$(copy_from_packages "$unpacked" "$rootfs" "$path")"
        mapfile -t -O "${#queue[@]}" queue < <(needed_of "$rootfs/$path")
    done
    echo "libraries:$seen"

    # The CA bundle as update-ca-certificates would write it (every certificate of the package).
    mkdir -p "$rootfs/etc/ssl/certs"
    find "$unpacked/usr/share/ca-certificates" -name '*.crt' | LC_ALL=C sort \
        | while read -r file; do cat "$file"; [[ -z "$(tail -c1 "$file")" ]] || echo; done \
            >"$rootfs/etc/ssl/certs/ca-certificates.crt"
    echo "CA bundle: $(grep -c 'BEGIN CERTIFICATE' "$rootfs/etc/ssl/certs/ca-certificates.crt") certificates"
    # The packages' licence files, as Debian ships them.
    for package in "${packages[@]}"; do
        [[ "$package" == gcc-*-base || "$package" == libgcc-s1 ]] && continue
        copy_from_packages "$unpacked" "$rootfs" "usr/share/doc/$package/copyright" >/dev/null
    done
    for file in "$unpacked"/usr/share/doc/gcc-*-base/copyright; do
        if [[ -f "$file" ]]; then copy_from_packages "$unpacked" "$rootfs" "${file#"$unpacked"/}" >/dev/null; fi
    done
    printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/app:/sbin/nologin\n' >"$rootfs/etc/passwd"
    printf 'root:x:0:\nnonroot:x:65532:\n' >"$rootfs/etc/group"
    printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
    mkdir -p "$rootfs/tmp"
    chmod 1777 "$rootfs/tmp"

    # Reproducible layer: the tag is its digest, so an unchanged base is imported once.
    tar -C "$rootfs" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$work/rootfs.tar" .
    local digest base
    digest="$(sha256sum "$work/rootfs.tar" | cut -c1-12)"
    base="localhost/enmeshed-connector-base:$digest"
    if podman image exists "$base"; then
        echo "reusing $base"
    else
        podman import --quiet --message "libc6, libgcc-s1, ca-certificates from Debian" "$work/rootfs.tar" "$base" >/dev/null
        echo "imported $base"
    fi
    runtime_image="$base"
}

if [[ -z "$runtime_image" ]]; then
    step "base image from Debian packages"
    make_base
fi

# ---------------------------------------------------------------- image
step "podman build $image"
# The image this build replaces (removed below, so rebuilds do not pile up untagged images).
previous="$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)"
podman build --pull=never --layers=false --quiet -f "$root/Containerfile" \
    --target image-prebuilt \
    --build-arg RUNTIME_IMAGE="$runtime_image" \
    --build-arg VERSION="$version" \
    --tag "$image" "$context" >/dev/null
image_size="$(podman image inspect --format '{{.Size}}' "$image")"
if [[ -n "$previous" && "$previous" != "$(podman image inspect --format '{{.Id}}' "$image")" ]]; then
    podman rmi "$previous" >/dev/null 2>&1 || true # still used by a container: leave it
fi

# ---------------------------------------------------------------- smoke test
if ((smoke)); then
    step "smoke test: $image dev"
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    container="connector-smoke-$$"
    trap 'podman rm -f "$container" >/dev/null 2>&1 || true' EXIT
    started_ms="$(now_ms)"
    podman run -d --name "$container" -p "127.0.0.1:$port:8080" "$image" dev >/dev/null
    started=$SECONDS
    failed() { podman logs "$container" 2>&1 | tail -40 >&2; die "smoke test: $*"; }
    key=""
    while [[ -z "$key" ]]; do
        ((SECONDS - started < 180)) || failed "no API key printed within 180 s"
        [[ "$(podman inspect --format '{{.State.Running}}' "$container")" == true ]] || failed "the container exited"
        key="$(podman logs "$container" 2>/dev/null | sed -n 's/^ *API key: *\([^ ]*\).*/\1/p' | sed -n 1p)"
        [[ -n "$key" ]] || sleep 0.5 # polling the container's log; no event to wait on
    done
    base_url="http://127.0.0.1:$port"
    until curl -fsS -o /dev/null "$base_url/health" 2>/dev/null; do
        ((SECONDS - started < 180)) || failed "/health did not answer 200 within 180 s"
        sleep 0.5 # polling the published port
    done
    echo "healthy $(since "$started_ms") after podman run: $(curl -fsS "$base_url/health")"
    status="$(curl -sS -o /dev/null -w '%{http_code}' "$base_url/api/core/v1/Account/IdentityInfo")"
    [[ "$status" == 401 ]] || failed "IdentityInfo without the API key answered $status, not 401"
    body="$(curl -fsS -H "X-API-KEY: $key" "$base_url/api/core/v1/Account/IdentityInfo")" \
        || failed "IdentityInfo with the API key failed"
    grep -q '"address":"did:e:' <<<"$body" || failed "IdentityInfo has no address: $body"
    echo "IdentityInfo: $body"
    stopping_ms="$(now_ms)"
    podman stop --time 60 "$container" >/dev/null
    exit_code="$(podman inspect --format '{{.State.ExitCode}}' "$container")"
    [[ "$exit_code" == 0 ]] || failed "exit code $exit_code after SIGTERM (expected 0)"
    echo "stopped by SIGTERM in $(since "$stopping_ms"), exit code 0"
    podman rm "$container" >/dev/null
    trap - EXIT
fi

# ---------------------------------------------------------------- archive
if [[ -n "$save" ]]; then
    step "OCI archive $save"
    rm -f "$save"
    skopeo copy --quiet "containers-storage:$image" "oci-archive:$save:$image"
    echo "written: $(mb "$(stat -c %s "$save")") (compressed layers)"
fi

step "sizes ($kind binary)"
echo "binary:                  $(mb "$binary_size")  $binary"
echo "binary without debug info: $(mb "$stripped_size")  (in the image)"
echo "image:                   $(mb "$image_size")  $image (uncompressed)"
if ((image_size < 60000000)); then verdict="met"; else verdict="NOT met"; fi
echo "goal for the release image, under 60 MB: $verdict by this $kind image"
