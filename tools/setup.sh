# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
#
# Sourced by tools/test and tools/demo: installs, only when missing, what both need on a
# fresh Debian 12 machine (Debian packages, the virtual environment, Azurite), and sets
# $repo, $cache and $venv. Environment: CEGID_TEST_CACHE (where the venv lives), PYTHON.

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${CEGID_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/is_cegid2odoo}
venv=$cache/venv
python=${PYTHON:-python3}

say() { printf 'setup: %s\n' "$*"; }

install_debian_packages() {
  # Only what is missing: Node for Azurite, PostgreSQL's server binaries, Chromium for the
  # Odoo tours, and the compiler and headers Odoo's requirements and psycopg2 (requirements-test.txt)
  # build against on Python 3.11.
  local missing=()
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql-15)
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  for pkg in gcc python3-dev libldap2-dev libsasl2-dev libpq-dev; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  "$python" -c "import ensurepip, venv" 2>/dev/null || missing+=(python3-venv)
  ((${#missing[@]})) || return 0
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  say "installing Debian packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_venv() {
  # install_venv DIR REQUIREMENTS: a virtual environment in DIR with REQUIREMENTS (a file of the repository),
  # (re)installed when a requirements file changed
  local dir=$1 requirements=$2 stamp
  stamp=$(cat "$repo"/requirements*.txt | sha256sum | cut -c1-16)
  if [ ! -x "$dir/bin/python" ]; then
    say "creating the virtual environment $dir"
    mkdir -p "$cache"
    "$python" -m venv "$dir"
  fi
  if [ ! -e "$dir/.requirements-$stamp" ]; then
    say "installing $requirements into $dir"
    "$dir/bin/python" -m pip install -q --upgrade pip
    "$dir/bin/python" -m pip install -q -r "$repo/$requirements"
    touch "$dir/.requirements-$stamp"
  fi
}

install_npm_tools() {
  local stamp
  stamp=$(sha256sum "$repo/package-lock.json" | cut -c1-16)
  if [ ! -e "$repo/node_modules/.lock-$stamp" ]; then
    say "installing Azurite (npm ci)"
    (cd "$repo" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    touch "$repo/node_modules/.lock-$stamp"
  fi
}

install_debian_packages
install_venv "$venv" requirements-test.txt
install_npm_tools
cd "$repo"
