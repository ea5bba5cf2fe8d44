#!/usr/bin/env bash
# Writes the build's version and file list into dist/sw.js, so a new
# deployment is a new service worker (and the page offers to reload).
set -euo pipefail
dist=${1:-dist}
cd "$dist"
files=$(find . -type f ! -name sw.js | sed 's|^\./||' | sort)
version=$(cat $files | sha256sum | cut -c1-16)
assets=$(printf '"./"'; for f in $files; do printf ', "%s"' "$f"; done)
sed -i -e "s|^const VERSION = .*|const VERSION = '$version';|" -e "s|^const ASSETS = .*|const ASSETS = [$assets];|" sw.js
echo "stamped sw.js: version $version, $(echo "$files" | wc -l) files"
