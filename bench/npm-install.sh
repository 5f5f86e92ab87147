#!/usr/bin/env bash
# What a new developer waits for: `npm install` in a fresh clone, and what it leaves on disk.
#
#   bash bench/npm-install.sh [--cold-cache] [repo=/work/main] [dest=/tmp/paved-fresh-bench]
#
# By default npm uses its usual cache (~/.npm), as on a developer's machine that has installed
# before; --cold-cache gives it an empty cache, so every package comes from the registry.
# `npm install` includes the `prepare` script (the TypeScript build), as it does for everyone.
# Clones the committed state of the repository: uncommitted work is not measured.
set -euo pipefail

cold=false
if [[ "${1:-}" == "--cold-cache" ]]; then
  cold=true
  shift
fi
repo="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
dest="${2:-/tmp/paved-fresh-bench}"

rm -rf "$dest"
git clone --quiet "$repo" "$dest"
cd "$dest"
if [[ ! -f package.json ]]; then
  echo "the clone of $repo has no package.json: nothing committed to install" >&2
  exit 1
fi

cache_args=()
if $cold; then
  cache_dir="$(mktemp -d /tmp/paved-npm-cache-XXXXXX)"
  cache_args=(--cache "$cache_dir")
fi

start=$(date +%s.%N)
npm install --no-audit --no-fund "${cache_args[@]}" >npm-install.log 2>&1 || {
  echo "npm install failed; last lines of its output:" >&2
  tail -30 npm-install.log >&2
  exit 1
}
end=$(date +%s.%N)

seconds=$(echo "$end - $start" | bc)
size=$(du -sh node_modules | cut -f1)
size_mb=$(du -sm node_modules | cut -f1)
packages=$(node -e 'console.log(Object.keys(require("./node_modules/.package-lock.json").packages).length)')
echo "npm install in a fresh clone of $repo (cache: $($cold && echo cold || echo warm))"
printf '  time:          %.1f s\n' "$seconds"
echo "  node_modules:  $size ($size_mb MB), $packages packages"
echo "  npm:           $(npm --version), node $(node --version)"
if $cold; then rm -rf "$cache_dir"; fi
