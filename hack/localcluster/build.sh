#!/usr/bin/env bash
# Builds the local control plane's binaries from the Go module proxy at pinned
# versions, into a cache outside the checkout. A binary that is already cached
# is not rebuilt. Usage: build.sh [--print-bin-dir]
#
# Why from source: this machine has no Docker engine and cannot download
# release binaries, but it reaches the Go module proxy.
set -euo pipefail

KUBERNETES_VERSION="${KUBERNETES_VERSION:-v1.36.3}"
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${ALAUDA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/alauda-operator}"
bin="$cache/bin/kubernetes-$KUBERNETES_VERSION-kwok-$KWOK_VERSION"

if [[ "${1:-}" == "--print-bin-dir" ]]; then
  echo "$bin"
  exit 0
fi

# Same module cache and build cache for every build, outside the checkout.
export GOFLAGS="-buildvcs=false -mod=mod"
export CGO_ENABLED=0
mkdir -p "$bin"

log() { printf '[build] %s\n' "$*" >&2; }

kube_mod_file() {
  go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])'
}

# Kubernetes' go.mod requires its staging modules at v0.0.0 and replaces them
# with ./staging paths, which is why `go install` refuses it. The wrapper
# module replaces each one with the published staging release instead.
write_kubernetes_wrapper() {
  local dir="$1" mod staging_version
  mod="$(kube_mod_file)"
  staging_version="v0.${KUBERNETES_VERSION#v1.}"
  mkdir -p "$dir"
  {
    echo "module alauda.io/localcluster/kubernetes"
    echo
    echo "go 1.26.0"
    echo
    echo "require k8s.io/kubernetes $KUBERNETES_VERSION"
    echo
    echo "replace ("
    awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" { print $1 }' "$mod" | sort -u |
      while read -r module; do echo "	$module => $module $staging_version"; done
    echo ")"
  } >"$dir/go.mod"
  cp "$here/gomod/kubernetes/tools.go" "$dir/tools.go"
  # The same toolchain pin Kubernetes itself uses.
  (cd "$dir" && go mod tidy >&2)
}

build_kubernetes() {
  local targets=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
  local missing=0 t
  for t in "${targets[@]}"; do [[ -x "$bin/$t" ]] || missing=1; done
  [[ $missing == 1 ]] || return 0
  local dir="$cache/src/kubernetes-$KUBERNETES_VERSION"
  write_kubernetes_wrapper "$dir"
  local minor="${KUBERNETES_VERSION#v1.}"; minor="${minor%%.*}"
  local pkg ldflags=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  log "building ${targets[*]} $KUBERNETES_VERSION (cold: about 7 minutes on 2 cores)"
  local paths=()
  for t in "${targets[@]}"; do paths+=("k8s.io/kubernetes/cmd/$t"); done
  (cd "$dir" && go build -trimpath -ldflags "-s -w$ldflags" -o "$bin/" "${paths[@]}")
}

build_etcd() {
  [[ -x "$bin/etcd" ]] && return 0
  local mod etcd_version dir="$cache/src/etcd"
  mod="$(kube_mod_file)"
  # The etcd release Kubernetes itself was built against.
  etcd_version="$(awk '$1 == "go.etcd.io/etcd/server/v3" { print $2 }' "$mod")"
  mkdir -p "$dir"
  cp "$here/gomod/etcd/main.go" "$dir/main.go"
  printf 'module alauda.io/localcluster/etcd\n\ngo 1.26.0\n\nrequire go.etcd.io/etcd/server/v3 %s\n' \
    "$etcd_version" >"$dir/go.mod"
  log "building etcd $etcd_version"
  (cd "$dir" && go mod tidy >&2 && go build -trimpath -ldflags "-s -w" -o "$bin/etcd" .)
}

build_kwok() {
  [[ -x "$bin/kwok" ]] && return 0
  log "building kwok $KWOK_VERSION"
  GOBIN="$bin" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
}

build_etcd
build_kwok
build_kubernetes
log "binaries in $bin"
echo "$bin"
