#!/usr/bin/env bash
# Run by `npm test` first (pretest): the browser tests drive Debian's Chromium at /usr/bin/chromium.
# On a fresh machine (root, Debian) it is installed here, so `npm ci` and `npm test` are all the
# set-up; elsewhere this says what to do. `npm run test:node` needs no browser.
set -euo pipefail
if [[ -x /usr/bin/chromium ]]; then exit 0; fi
if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
  echo "installing Debian's chromium for the browser tests"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
else
  echo "The browser tests need Chromium at /usr/bin/chromium: apt-get install chromium (or run npm run test:node to leave them out)." >&2
  exit 1
fi
