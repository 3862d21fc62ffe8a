#!/usr/bin/env bash
# The explorer's browser test drives Debian's Chromium (Playwright's own browser download
# is not used). Installs it with apt-get when missing and running as root; otherwise says what
# to do and fails.
set -u
if command -v chromium >/dev/null; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the explorer's browser test (apt-get)..."
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq chromium >/dev/null; then
    command -v chromium >/dev/null && exit 0
  fi
  echo "apt-get could not install chromium; install it by hand (apt-get install chromium)"
  exit 1
fi
echo "Chromium is needed for tests/test_explorer.py (Debian/Ubuntu: sudo apt-get install chromium;"
echo "or put a chromium binary on PATH as 'chromium')"
exit 1
