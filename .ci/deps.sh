#!/usr/bin/env bash
# Installs and starts what Intake's tests need, only where it is missing:
# PostgreSQL running on 127.0.0.1:5432, Debian's Chromium, axe-core, and
# for the pages benchmark nginx, wrk and Lighthouse, and poppler-utils
# (pdftotext, pdfinfo, pdftoppm) for the PDF tests.
set -euo pipefail
axe_version=${1:-4.14.1}
lighthouse_version=${2:-12.2.3}
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "deps: starting PostgreSQL"
  if ! command -v pg_ctlcluster >/dev/null; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  pg_isready -h 127.0.0.1 -p 5432
fi

if ! command -v chromium >/dev/null; then
  echo "deps: installing Debian's chromium (about a minute)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# nginx and wrk: the pages benchmark's reference server and load;
# poppler-utils: the PDF tests read and render the PDFs with it. (The PDFs'
# font is embedded in report/fonts, so no font package is needed.)
missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v wrk >/dev/null || missing+=(wrk)
command -v pdftotext >/dev/null || missing+=(poppler-utils)
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -f ".cache/npm/node_modules/axe-core/package.json" ] ||
   ! grep -q "\"version\": \"$axe_version\"" .cache/npm/node_modules/axe-core/package.json; then
  echo "deps: installing axe-core $axe_version"
  mkdir -p .cache/npm
  npm install --silent --no-audit --no-fund --prefix .cache/npm "axe-core@$axe_version" >/dev/null
fi

if [ ! -f ".cache/npm/node_modules/lighthouse/package.json" ] ||
   ! grep -q "\"version\": \"$lighthouse_version\"" .cache/npm/node_modules/lighthouse/package.json; then
  echo "deps: installing lighthouse $lighthouse_version"
  mkdir -p .cache/npm
  npm install --silent --no-audit --no-fund --save-exact --prefix .cache/npm "lighthouse@$lighthouse_version" >/dev/null
fi
