#!/usr/bin/env bash
# Locate Odoo 18.0 source and print the directory that holds odoo-bin.
# Order (README "Where Odoo comes from"): an importable `odoo`; $ODOO_SRC;
# ~/.cache/ihospital/odoo-18.0; Odoo's official 18.0 source archive downloaded
# into that cache (only on a machine that can reach it).
set -euo pipefail

PYTHON="${PYTHON:-python3}"
CACHE_DIR="${IHOSPITAL_CACHE:-$HOME/.cache/ihospital}/odoo-18.0"
ARCHIVE_URL="${ODOO_ARCHIVE_URL:-https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz}"

is_odoo18_src() {
    [ -f "$1/odoo/release.py" ] && [ -d "$1/odoo/addons/base" ] &&
        grep -Eq "^version_info = \(18, 0," "$1/odoo/release.py"
}

# 1. an importable odoo (e.g. installed in the interpreter we were given)
if src=$("$PYTHON" - 2>/dev/null <<'PY'
import os, odoo.release as r
assert r.version_info[:2] == (18, 0)
print(os.path.dirname(os.path.dirname(os.path.abspath(r.__file__))))
PY
); then
    if is_odoo18_src "$src"; then echo "$src"; exit 0; fi
fi

# 2. $ODOO_SRC
if [ -n "${ODOO_SRC:-}" ]; then
    if is_odoo18_src "$ODOO_SRC"; then echo "$ODOO_SRC"; exit 0; fi
    echo "ODOO_SRC=$ODOO_SRC is not an Odoo 18.0 source tree (odoo/release.py, odoo/addons/base)." >&2
    exit 1
fi

# 3. the cache
if is_odoo18_src "$CACHE_DIR"; then echo "$CACHE_DIR"; exit 0; fi

# 4. download the official archive into the cache
echo "Odoo 18.0 source not found; downloading $ARCHIVE_URL into $CACHE_DIR ..." >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if curl -fsSL --connect-timeout 15 "$ARCHIVE_URL" -o "$tmp/odoo.tar.gz" 2>/dev/null; then
    mkdir -p "$tmp/x" && tar -xzf "$tmp/odoo.tar.gz" -C "$tmp/x"
    top=$(find "$tmp/x" -maxdepth 2 -name odoo-bin -printf '%h\n' | head -1)
    if [ -n "$top" ] && is_odoo18_src "$top"; then
        mkdir -p "$(dirname "$CACHE_DIR")" && rm -rf "$CACHE_DIR" && mv "$top" "$CACHE_DIR"
        echo "$CACHE_DIR"; exit 0
    fi
fi
cat >&2 <<MSG
Odoo 18.0 source is missing, and it could not be downloaded here.
Provide it in one of these ways, then run the command again:
  - install Odoo 18.0 in the Python you use (an importable 'odoo'), or
  - export ODOO_SRC=/path/to/odoo-18.0 (the folder holding odoo-bin and odoo/), or
  - unpack Odoo's 18.0 source (odoo-bin, odoo/, setup.py, requirements.txt) into $CACHE_DIR.
MSG
exit 1
