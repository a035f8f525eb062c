#!/usr/bin/env bash
# Installs a pinned envparity release for the GitHub Action (action.yml):
# downloads the archive that .goreleaser.yaml names, checks it against the
# release's checksums file, unpacks it into the runner's tool cache and puts
# it on GITHUB_PATH. Inputs come from the environment:
#   INPUT_VERSION           vX.Y.Z; else ACTION_REF when it is a release tag, else PINNED_VERSION
#   ENVPARITY_DOWNLOAD_URL  where releases are (default: the GitHub releases of envparity/envparity)
#   RUNNER_OS, RUNNER_ARCH, RUNNER_TOOL_CACHE, RUNNER_TEMP, GITHUB_PATH, GITHUB_OUTPUT (set by the runner)
set -euo pipefail

PINNED_VERSION=v0.1.0 # the release this version of the action installs by default

semver='^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$'
version="${INPUT_VERSION:-}"
if [ -z "$version" ] && [[ "${ACTION_REF:-}" =~ $semver ]]; then version="$ACTION_REF"; fi
version="${version:-$PINNED_VERSION}"
if ! [[ "$version" =~ $semver ]]; then
  echo "::error title=envparity::version '$version' is not a release tag (vX.Y.Z)"
  exit 2
fi

case "${RUNNER_OS:-Linux}" in
  Linux) os=linux ;;
  macOS) os=darwin ;;
  Windows) os=windows ;;
  *) echo "::error title=envparity::unsupported runner OS ${RUNNER_OS}"; exit 2 ;;
esac
case "${RUNNER_ARCH:-X64}" in
  X64) arch=amd64 ;;
  ARM64) arch=arm64 ;;
  *) echo "::error title=envparity::unsupported runner architecture ${RUNNER_ARCH}"; exit 2 ;;
esac
ext=tar.gz exe=envparity
if [ "$os" = windows ]; then ext=zip exe=envparity.exe; fi

base="${ENVPARITY_DOWNLOAD_URL:-https://github.com/envparity/envparity/releases/download}"
archive="envparity_${version#v}_${os}_${arch}.${ext}"
sums="envparity_${version#v}_checksums.txt"
dest="${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}}/envparity/${version}/${os}-${arch}"

if [ -x "$dest/$exe" ]; then
  echo "envparity $version is in the tool cache: $dest"
else
  tmp="$(mktemp -d "${RUNNER_TEMP:-/tmp}/envparity-install.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  echo "downloading $base/$version/$archive"
  curl -fsSL --retry 3 --retry-connrefused -o "$tmp/$archive" "$base/$version/$archive"
  curl -fsSL --retry 3 --retry-connrefused -o "$tmp/$sums" "$base/$version/$sums"
  want="$(awk -v f="$archive" '$2 == f || $2 == "*"f {print $1}' "$tmp/$sums")"
  if [ -z "$want" ]; then
    echo "::error title=envparity::$sums does not list $archive"
    exit 1
  fi
  if command -v sha256sum >/dev/null; then
    got="$(sha256sum "$tmp/$archive" | awk '{print $1}')"
  else
    got="$(shasum -a 256 "$tmp/$archive" | awk '{print $1}')"
  fi
  if [ "$got" != "$want" ]; then
    echo "::error title=envparity::checksum mismatch for $archive: got $got, the release lists $want"
    exit 1
  fi
  mkdir -p "$dest"
  if [ "$ext" = zip ]; then
    unzip -q -o "$tmp/$archive" "$exe" -d "$dest"
  else
    tar -xzf "$tmp/$archive" -C "$dest" "$exe"
  fi
  chmod +x "$dest/$exe"
fi
echo "$dest" >> "${GITHUB_PATH:-/dev/null}"
echo "version=$version" >> "${GITHUB_OUTPUT:-/dev/null}"
"$dest/$exe" version
