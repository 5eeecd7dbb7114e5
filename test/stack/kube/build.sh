#!/usr/bin/env bash
# Builds the test stack's Kubernetes binaries from Go modules into <repo>/.cache/kube/bin:
# etcd, kube-apiserver, kube-controller-manager, kubectl and helm.
# Idempotent: each binary has a stamp holding the hash of the go.mod it came from, and is rebuilt
# only when that changes. Go's own module and build caches make a rebuild after a fresh clone a
# link step, not a compile. Versions are pinned in the go.mod files beside this script.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
BIN="$ROOT/.cache/kube/bin"
mkdir -p "$BIN"
export GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0
# -p: parallel compile jobs; default 2 on this shared 2-core machine (KUBE_BUILD_P=1 is gentler).
P="${KUBE_BUILD_P:-2}"

# The version a go.mod requires of module $1, whether written `require M v` or inside a block.
pinned() { sed -n -E "s#^(require)?[[:space:]]*$1 (v[^ ]+)\$#\2#p" "$2" | head -1; }
stamp_of() { sha256sum "$1/go.mod" | cut -c1-16; }

# build NAME DIR PACKAGE LDFLAGS: skip when the binary exists and its stamp matches go.mod.
build() {
  local name="$1" dir="$2" pkg="$3" ldflags="$4"
  if [[ -x "$BIN/$name" && "$(cat "$BIN/$name.stamp" 2>/dev/null)" == "$(stamp_of "$dir")" ]]; then
    echo "kube build: $name up to date" >&2; return
  fi
  echo "kube build: building $name ($pkg)" >&2
  local t0=$SECONDS
  (cd "$dir" && go build -p "$P" -trimpath -ldflags "-s -w $ldflags" -o "$BIN/$name.tmp" "$pkg")
  mv "$BIN/$name.tmp" "$BIN/$name"
  # Stamp after the build: with -mod=mod the first build adds indirect requires to go.mod.
  stamp_of "$dir" > "$BIN/$name.stamp"
  echo "kube build: $name built in $((SECONDS - t0))s" >&2
}

ETCD_V="$(pinned go.etcd.io/etcd/server/v3 "$HERE/etcd/go.mod")"
K8S_V="$(pinned k8s.io/kubernetes "$HERE/apiserver/go.mod")"
HELM_V="$(pinned helm.sh/helm/v4 "$HERE/helm/go.mod")"

build etcd "$HERE/etcd" . "-X go.etcd.io/etcd/api/v3/version.GitSHA=$ETCD_V"

# Kubernetes stamps its version with -X into these two packages (hack/lib/version.sh).
minor="${K8S_V#v1.}"; minor="${minor%%.*}"
K8S_LD=""
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  K8S_LD+=" -X $p.gitVersion=$K8S_V -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  K8S_LD+=" -X $p.buildDate=1970-01-01T00:00:00Z"
done
build kube-apiserver "$HERE/apiserver" ./kube-apiserver "$K8S_LD"
build kube-controller-manager "$HERE/apiserver" ./kube-controller-manager "$K8S_LD"

build helm "$HERE/helm" helm.sh/helm/v4/cmd/helm "-X helm.sh/helm/v4/internal/version.version=$HELM_V"

# kubectl: Debian (bookworm) has no kubectl package, only kubernetes-client 1.20, and a machine's
# preinstalled one may be years off the server; so build the matching one from the same module.
build kubectl "$HERE/apiserver" k8s.io/kubernetes/cmd/kubectl "$K8S_LD"

echo "kube build: etcd $ETCD_V, kubernetes $K8S_V, helm $HELM_V in $BIN" >&2
