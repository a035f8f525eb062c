#!/usr/bin/env bash
# build.sh builds kube-apiserver for the live Kubernetes collector's tests
# (collectors/kubernetes) from the k8s.io/kubernetes module pinned in go.mod
# beside it, and caches it by version. It prints the binary's path. A cached
# binary is reused: the build takes minutes and several GB of memory.
#
#   internal/tools/kubeapiserver/build.sh            # build if missing, print path
#   ENVPARITY_KUBE_CACHE=/some/dir build.sh          # another cache directory
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="$(cd "$here" && GOFLAGS=-mod=mod go list -m -f "{{.Version}}" k8s.io/kubernetes)"
cache="${ENVPARITY_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/envparity}"
bin="$cache/kube-apiserver-$version"
if [[ -x "$bin" ]]; then
	echo "$bin"
	exit 0
fi
mkdir -p "$cache"
echo "building kube-apiserver $version into $bin (several minutes)" >&2
start=$SECONDS
# -trimpath and no debug info keep the binary small; GOFLAGS from the caller
# (say -mod=vendor) would not fit this module.
# The version is stamped as Kubernetes' own build does, so that /version
# answers like a released server (tests read it).
major="${version#v}"; major="${major%%.*}"
minor="${version#v*.}"; minor="${minor%%.*}"
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$version"
ldflags+=" -X k8s.io/component-base/version.gitMajor=$major -X k8s.io/component-base/version.gitMinor=$minor"
ldflags+=" -X k8s.io/component-base/version.gitTreeState=clean"
(cd "$here" && GOFLAGS=-mod=mod nice -n 10 go build -trimpath -ldflags="$ldflags" \
	-o "$bin.tmp" k8s.io/kubernetes/cmd/kube-apiserver)
mv "$bin.tmp" "$bin"
echo "built kube-apiserver $version in $((SECONDS - start)) s" >&2
echo "$bin"
