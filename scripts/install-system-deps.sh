#!/usr/bin/env bash
# Debian packages the test suite needs: Chromium and its driver (browser tests),
# the CJK fonts and Pango (PDF: Noto Serif CJK for the body, Noto Sans CJK bold for titles,
# WenQuanYi as the fallback), poppler-utils (reading PDFs back), gettext, and the
# PostgreSQL client (pg_dump and pg_restore: `manage.py backup` and `restore`), and
# LibreOffice Writer without its GUI (the tests convert every Word ledger with it).
# Installs only what is missing, and only when we may (root, or sudo without a password).
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
{ command -v pg_dump && command -v pg_restore; } >/dev/null 2>&1 || need+=(postgresql-client)
fc-list 2>/dev/null | grep -qi "noto serif cjk sc" || need+=(fonts-noto-cjk)
fc-list 2>/dev/null | grep -qi "wqy" || need+=(fonts-wqy-microhei)
ldconfig -p 2>/dev/null | grep -q libpango-1.0 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing Debian packages: ${need[*]}"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "Cannot install ${need[*]} (not root, no passwordless sudo). Install them and re-run." >&2
  [ "${CI:-}" = "true" ] && exit 1
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
