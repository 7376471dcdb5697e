#!/usr/bin/env bash
# Debian packages the project needs: fonts embedded in the PDF répertoires (Latin, Cyrillic,
# Greek, Armenian, Georgian, Hebrew, Arabic, CJK), poppler and qpdf to check PDFs,
# ICU's headers, pkg-config and g++ to build PyICU (the locale's collation), Chromium for the
# browser tests, and nginx to test the reverse proxy configuration (deploy/nginx).
# Idempotent; run as root (or with sudo).
set -euo pipefail
packages=(fonts-dejavu-core fonts-wqy-microhei fonts-noto-core poppler-utils qpdf chromium libicu-dev pkg-config g++ nginx-light)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
