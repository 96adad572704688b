#!/usr/bin/env bash
# Installs the Debian packages vanban needs (LibreOffice, fonts, poppler, SoftHSM2, PostgreSQL, Redis, Chromium) when missing.
set -euo pipefail
need=()
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui libreoffice-calc-nogui)
command -v pdfsig >/dev/null 2>&1 || need+=(poppler-utils)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v softhsm2-util >/dev/null 2>&1 || need+=(softhsm2)
command -v pkcs11-tool >/dev/null 2>&1 || need+=(opensc)
command -v certutil >/dev/null 2>&1 || need+=(libnss3-tools)
/usr/bin/python3 -c "import uno" >/dev/null 2>&1 || need+=(python3-uno)
[ -f /usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf ] || need+=(fonts-liberation2 fonts-liberation)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
dpkg -s libicu-dev >/dev/null 2>&1 || need+=(libicu-dev pkg-config)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v make >/dev/null 2>&1 || need+=(make)
python3 -c "import ensurepip, venv" >/dev/null 2>&1 || need+=(python3-venv)
# The web service's tests: a real PostgreSQL (started by the tests in a temporary cluster when none runs), a real
# Redis for the Celery workers, and Debian's Chromium for the browser tests.
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
    echo "Cài đặt gói hệ thống còn thiếu: ${need[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
