#!/usr/bin/env bash
# The programs some tests drive for real, from Debian's packages: Chromium (the landing page is
# rendered headless), Virtuoso Open Source (a SPARQL server) and LibreOffice Calc (opens the
# spreadsheet templates, converts them to ODS). Installs only what is missing.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/virtuoso-t ] || missing+=(virtuoso-opensource)
[ -x /usr/bin/soffice ] || missing+=(libreoffice-calc-nogui)
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "tests/setup.sh: installing ${missing[*]} with apt-get" >&2
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
