#!/usr/bin/env bash
# Create .venv with Odoo 18.0 (editable, from the located source) and the
# suite's Python dependencies. Does nothing when the inputs did not change.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV="${VENV:-$ROOT/.venv}"
BASE_PYTHON="${BASE_PYTHON:-python3}"

if ! "$BASE_PYTHON" -c 'import sys; assert sys.version_info[:2] >= (3, 10)' 2>/dev/null; then
    echo "Python 3.10 or newer is needed as '$BASE_PYTHON' (set BASE_PYTHON=...)." >&2
    exit 1
fi
if ! "$BASE_PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
    echo "Python's venv module is missing: install it (Debian: apt-get install python3-venv)." >&2
    exit 1
fi

ODOO_DIR=$(PYTHON="$BASE_PYTHON" tools/find-odoo.sh)
stamp_input() {
    echo "$ODOO_DIR"
    cat "$ODOO_DIR/requirements.txt" requirements.txt requirements-dev.txt tools/venv.sh gateway/pyproject.toml
}
STAMP="$VENV/.ihospital-stamp"
want=$(stamp_input | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -x "$VENV/bin/python" ]; then
    exit 0
fi

echo "Setting up $VENV with Odoo from $ODOO_DIR ..." >&2
[ -x "$VENV/bin/python" ] || "$BASE_PYTHON" -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)
"${PIP[@]}" install -U "pip>=23" "setuptools<81" wheel

# Odoo's pinned requirements, adjusted where the pin does not build on this
# Python: cbor2 5.4.2 needs pkg_resources at build time (5.6.2 installs), and
# python-ldap is only for auth_ldap, which the suite does not use and which
# needs LDAP headers to build.
reqs=$(mktemp)
trap 'rm -f "$reqs"' EXIT
sed -E -e 's/^cbor2==5\.4\.2.*/cbor2==5.6.2/' -e '/^python-ldap/d' \
    "$ODOO_DIR/requirements.txt" > "$reqs"
if ! "${PIP[@]}" install -r "$reqs"; then
    cat >&2 <<'MSG'
Installing Odoo's Python dependencies failed. On Debian/Ubuntu the build
headers come from: apt-get install build-essential python3-dev libpq-dev
libxml2-dev libxslt1-dev libjpeg-dev zlib1g-dev
MSG
    exit 1
fi
# setuptools is very talkative about Odoo's package layout: keep it in a log.
# The "compat" editable mode puts Odoo's source folder on the path (a .pth
# line): the OCA addons installed from PyPI below live in site-packages'
# odoo/addons/ namespace, and with setuptools' default import hook that
# namespace folder would hide the editable `odoo` package.
if ! "${PIP[@]}" install --no-deps --no-build-isolation --config-settings editable_mode=compat -e "$ODOO_DIR" \
    > "$VENV/odoo-install.log" 2>&1; then
    tail -30 "$VENV/odoo-install.log" >&2
    echo "Installing Odoo from $ODOO_DIR failed (full log: $VENV/odoo-install.log)." >&2
    exit 1
fi
"${PIP[@]}" install -r requirements.txt -r requirements-dev.txt
# the gateway program (console script ihospital-gateway), editable
"${PIP[@]}" install -e gateway
echo "$want" > "$STAMP"
