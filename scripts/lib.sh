# shellcheck shell=bash
# Shared set-up for scripts/run, scripts/test and scripts/bench. Every step is idempotent: a second run
# reuses PostgreSQL, the Odoo source, the Python environment and the databases, and only redoes what changed.
set -euo pipefail

SC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SC_STATE="${SC_STATE:-$HOME/.cache/store-connector}"        # outside the checkout: reused by clean clones
ODOO_SRC_DEFAULT="/opt/odoo-18.0"
ODOO_SRC="${ODOO_SRC:-$ODOO_SRC_DEFAULT}"
ODOO_DOWNLOAD_URL="${ODOO_DOWNLOAD_URL:-https://github.com/odoo/odoo/archive/refs/heads/18.0.tar.gz}"
SC_VENV="${SC_VENV:-$SC_STATE/venv}"
SC_ADDONS="store_connector_base,store_connector_shopify,store_connector_woocommerce,store_connector_ebay"
# Odoo modules the suite depends on; installed once into a template database that every database copies.
SC_ODOO_DEPS="mail,sale_management,sale_stock,stock_delivery"
PY="$SC_VENV/bin/python"

log() { printf '\033[1;34m[store-connector]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[store-connector] %s\033[0m\n' "$*" >&2; exit 1; }

need_apt() {  # need_apt PKG... : install the Debian packages that are missing
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "missing Debian packages: ${missing[*]} (run as root or install them)"
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_postgres() {
  need_apt postgresql libpq-dev libldap2-dev libsasl2-dev build-essential
  if ! pg_lsclusters -h | awk '{print $4}' | grep -q online; then
    log "starting PostgreSQL"
    local ver; ver=$(pg_lsclusters -h | awk 'NR==1{print $1}')
    [ -n "$ver" ] || die "no PostgreSQL cluster found (pg_createcluster one)"
    pg_ctlcluster "$ver" main start
  fi
  local me; me=$(id -un)
  if ! su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='$me'\"" | grep -q 1; then
    log "creating PostgreSQL role $me"
    su postgres -c "createuser -s '$me'"
  fi
}

ensure_odoo_src() {
  if [ -x "$ODOO_SRC/odoo-bin" ] && [ -f "$ODOO_SRC/odoo/release.py" ]; then
    grep -q "^version_info = (18, 0" "$ODOO_SRC/odoo/release.py" \
      || die "ODOO_SRC=$ODOO_SRC is not Odoo 18.0 (see odoo/release.py)"
    return 0
  fi
  if [ "$ODOO_SRC" != "$ODOO_SRC_DEFAULT" ]; then
    die "ODOO_SRC=$ODOO_SRC holds no Odoo source (odoo-bin missing). Point ODOO_SRC at an Odoo 18.0 checkout."
  fi
  command -v curl >/dev/null || need_apt curl ca-certificates
  log "no Odoo source in $ODOO_SRC: downloading Odoo 18.0 from $ODOO_DOWNLOAD_URL"
  local tmp; tmp=$(mktemp -d)
  if ! curl -fsSL --retry 2 --connect-timeout 20 "$ODOO_DOWNLOAD_URL" -o "$tmp/odoo.tar.gz"; then
    rm -rf "$tmp"
    die "could not download Odoo 18.0 source. Set ODOO_SRC to an Odoo 18.0 source tree, or put one in $ODOO_SRC_DEFAULT."
  fi
  mkdir -p "$ODOO_SRC"
  tar -xzf "$tmp/odoo.tar.gz" -C "$ODOO_SRC" --strip-components=1
  rm -rf "$tmp"
}

ensure_venv() {
  command -v python3 >/dev/null || need_apt python3
  python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt python3-venv
  # Headers for the packages Odoo pins that build from source (python-ldap, psycopg2...).
  python3 -c 'import os, sysconfig; assert os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h"))' \
    2>/dev/null || need_apt python3-dev
  [ -x "$PY" ] || { log "creating Python environment $SC_VENV"; mkdir -p "$SC_STATE"; python3 -m venv "$SC_VENV"; }
  # Odoo's pins, adjusted for this Python: cbor2 5.4.2 has no wheel for 3.11 here, so take 5.6.x.
  local odoo_req="$SC_STATE/odoo-requirements.txt"
  sed -E 's/^cbor2==5\.4\.2/cbor2==5.6.5/' "$ODOO_SRC/requirements.txt" > "$odoo_req"
  local stamp="$SC_VENV/.sc-stamp" want
  want=$( (cat "$odoo_req" "$SC_ROOT/requirements.txt"; echo "$ODOO_SRC") | sha256sum | cut -c1-16)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "installing Python requirements (Odoo's and the suite's)"
    "$PY" -m pip install -q --upgrade pip 'setuptools<70' wheel
    # Odoo's older pins build from source; without build isolation they use the setuptools above.
    "$PY" -m pip install -q --no-build-isolation -r "$odoo_req"
    "$PY" -m pip install -q --no-build-isolation -r "$SC_ROOT/requirements.txt"
    echo "$ODOO_SRC" > "$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/odoo-src.pth"
    echo "$want" > "$stamp"
  fi
  # Packages the tests read as data (requirements-nodeps.txt), installed without their dependencies;
  # checked apart from the stamp above, so that pinning one does not reinstall everything else.
  if ! "$PY" - "$SC_ROOT/requirements-nodeps.txt" <<'PYEOF'
import sys
from importlib.metadata import PackageNotFoundError, version
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if line:
        name, _, pinned = line.partition("==")
        try:
            assert version(name) == pinned
        except (PackageNotFoundError, AssertionError):
            sys.exit(1)
PYEOF
  then
    log "installing $SC_ROOT/requirements-nodeps.txt (without dependencies)"
    "$PY" -m pip install -q --no-deps -r "$SC_ROOT/requirements-nodeps.txt"
  fi
  "$PY" -c 'import odoo.release as r; assert r.version_info[0] == 18' || die "odoo is not importable from $SC_VENV"
}

# write_config FILE DB [extra lines...]: an Odoo config for this checkout, from odoo.conf.example's defaults.
# The config holds the credential encryption key: it is written readable by its owner only (0600), into
# a new file moved over the old one, so that the key is never in a file others may read, not even
# for a moment, and a config left world-readable by an older version is replaced.
write_config() {
  local file=$1 db=$2 tmp; shift 2
  (umask 077 && mkdir -p "$(dirname "$file")")
  tmp=$(mktemp "$file.XXXXXX")   # mktemp creates it 0600
  {
    echo "[options]"
    echo "addons_path = ${SC_ADDONS_PATH:-$ODOO_SRC/addons,$SC_ROOT/addons}"
    echo "data_dir = $SC_STATE/data"
    # db_name alone, no dbfilter: with a dbfilter Odoo lists the server's databases on every
    # request without a session, webhooks included (a measured bottleneck).
    echo "db_name = $db"
    echo "list_db = False"
    echo "without_demo = all"
    for line in "$@"; do echo "$line"; done
  } > "$tmp" || { rm -f "$tmp"; return 1; }
  mv -f "$tmp" "$file"
}

# machine_key: the credential encryption key of the development servers (run, demo, bench):
# $STORE_CONNECTOR_ENCRYPTION_KEY, else a random key made once for this machine and kept outside the
# checkout (0600) so that stored credentials stay readable. A fixed key would be published with the
# suite, and the suite refuses published keys outside test mode (see services/crypto.py).
machine_key() {
  if [ -n "${STORE_CONNECTOR_ENCRYPTION_KEY:-}" ]; then echo "$STORE_CONNECTOR_ENCRYPTION_KEY"; return; fi
  local keyfile="$SC_STATE/encryption.key"
  if [ ! -s "$keyfile" ]; then
    (umask 077 && mkdir -p "$SC_STATE" && head -c 32 /dev/urandom | base64 > "$keyfile")
  fi
  cat "$keyfile"
}

db_exists() { psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$1'" | grep -q 1; }

addons_hash() { (cd "$SC_ROOT" && find addons tests/addons -type f ! -name '*.pyc' ! -path '*/tests/*' -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16; }

# forget_test_platform DB: the template database is built with the tests' addons path, so every copy
# lists the test-only platform addon in its Apps (with an Activate button). A database served without
# tests/addons on its path (run, demo, i18n) drops that entry while the addon is not installed.
forget_test_platform() {
  psql -q -d "$1" -c "DELETE FROM ir_model_data WHERE model = 'ir.module.module' AND module = 'base'
                        AND name = 'module_store_connector_test_platform'
                        AND NOT EXISTS (SELECT 1 FROM ir_module_module WHERE name = 'store_connector_test_platform'
                                        AND state NOT IN ('uninstalled', 'uninstallable'));
                      DELETE FROM ir_module_module WHERE name = 'store_connector_test_platform'
                        AND state IN ('uninstalled', 'uninstallable')"
}

# ensure_db CONFIG DB [ADDONS]: a database with the suite installed and up to date with this checkout.
ensure_db() {
  local conf=$1 db=$2 addons=${3:-$SC_ADDONS} tmpl="sc_template_18"
  if ! db_exists "$tmpl"; then
    log "building template database $tmpl ($SC_ODOO_DEPS); once per machine, about a minute"
    "$PY" "$ODOO_SRC/odoo-bin" -c "$conf" -d "$tmpl" -i "$SC_ODOO_DEPS" --stop-after-init --log-level=warn \
      || { dropdb --if-exists "$tmpl"; die "building the template database failed"; }
  fi
  local want; want=$(addons_hash)
  case "${SC_ADDONS_PATH:-}" in */tests/addons*) ;; *) db_exists "$db" && forget_test_platform "$db" ;; esac
  if [ "${SC_FRESH_DB:-0}" = 1 ] && db_exists "$db"; then dropdb "$db"; rm -rf "${SC_STATE:?}/data/filestore/$db"; fi
  if ! db_exists "$db"; then
    log "creating database $db with the suite installed"
    createdb -T "$tmpl" "$db"
    # A database copy needs its attachments too: they live in the filestore, not in PostgreSQL.
    local fs="$SC_STATE/data/filestore"
    if [ -d "$fs/$tmpl" ]; then rm -rf "${fs:?}/$db"; cp -a "$fs/$tmpl" "$fs/$db"; fi
    "$PY" "$ODOO_SRC/odoo-bin" -c "$conf" -d "$db" -i "$addons" --stop-after-init --log-level=warn \
      || { dropdb --if-exists "$db"; die "installing the suite into $db failed"; }
  elif [ "$(psql -d "$db" -tAc "SELECT value FROM ir_config_parameter WHERE key='store_connector.addons_hash'" 2>/dev/null)" != "$want" ]; then
    log "updating the suite in $db"
    "$PY" "$ODOO_SRC/odoo-bin" -c "$conf" -d "$db" -u "$addons" -i "$addons" --stop-after-init --log-level=warn \
      || die "updating the suite in $db failed"
  else
    return 0
  fi
  case "${SC_ADDONS_PATH:-}" in */tests/addons*) ;; *) forget_test_platform "$db" ;; esac
  psql -q -d "$db" -c "INSERT INTO ir_config_parameter (key, value) VALUES ('store_connector.addons_hash', '$want')
                      ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
}

# Shopify's published Admin API schemas (introspection JSON), which the Shopify simulator checks every
# document against (tests/simulators/shopify/published.py). Shopify ships them in the npm package
# @shopify/dev-mcp (dist/data/admin_<version>.json.gz); they are fetched once per pinned version into
# $SC_STATE, never committed. The versions are the simulator's supported ones (SUPPORTED_VERSIONS) and
# unstable; a newer package version is a deliberate bump here.
SHOPIFY_DEV_MCP_VERSION="1.16.0"
SHOPIFY_SCHEMA_VERSIONS="2026-01 2026-04 2026-07 2026-10 unstable"

# ensure_shopify_schemas required|optional: export SHOPIFY_ADMIN_SCHEMA_DIR (and, when required,
# SHOPIFY_ADMIN_SCHEMA_REQUIRED=1: a simulator missing a schema refuses to start). A failed download
# stops a required setup (the tests: no silent skip); an optional one (demo, bench) goes on without
# the check and says so.
ensure_shopify_schemas() {
  local mode=${1:-required} dir="$SC_STATE/shopify-admin-schemas/dev-mcp-$SHOPIFY_DEV_MCP_VERSION"
  local missing=() v
  for v in $SHOPIFY_SCHEMA_VERSIONS; do [ -s "$dir/admin_$v.json.gz" ] || missing+=("$v"); done
  if [ ${#missing[@]} -gt 0 ]; then
    command -v npm >/dev/null || need_apt npm
    log "fetching Shopify's published Admin schemas (${missing[*]}) from npm @shopify/dev-mcp@$SHOPIFY_DEV_MCP_VERSION"
    local tmp members=(); tmp=$(mktemp -d)
    for v in "${missing[@]}"; do members+=("package/dist/data/admin_$v.json.gz"); done
    if (cd "$tmp" && npm pack --silent "@shopify/dev-mcp@$SHOPIFY_DEV_MCP_VERSION" >/dev/null) \
        && tar -xzf "$tmp"/shopify-dev-mcp-*.tgz -C "$tmp" "${members[@]}"; then
      mkdir -p "$dir"
      for v in "${missing[@]}"; do mv -f "$tmp/package/dist/data/admin_$v.json.gz" "$dir/"; done
      rm -rf "$tmp"
    else
      rm -rf "$tmp"
      local why="could not fetch Shopify's published Admin schemas (npm pack @shopify/dev-mcp@$SHOPIFY_DEV_MCP_VERSION)"
      [ "$mode" = required ] && die "$why: the Shopify simulator checks every document against them. Check npm's access to the registry."
      log "$why: the Shopify simulator runs WITHOUT the real schema check"
      return 0
    fi
  fi
  export SHOPIFY_ADMIN_SCHEMA_DIR="$dir"
  if [ "$mode" = required ]; then export SHOPIFY_ADMIN_SCHEMA_REQUIRED=1; fi
}

# ensure_rtlcss: Odoo turns its stylesheets right-to-left for Arabic (and every RTL language) with the
# rtlcss command (npm); without it an Arabic backend is translated but laid out left-to-right. Optional:
# a failed install only says so.
ensure_rtlcss() {
  command -v rtlcss >/dev/null && return 0
  command -v npm >/dev/null || need_apt npm
  log "installing rtlcss (npm), which Odoo needs to lay out Arabic right-to-left"
  npm install -g --silent rtlcss >/dev/null 2>&1 || log "could not install rtlcss: Arabic screens stay left-to-right"
}

# ensure_chromium: the browser tests (tours, run by HttpCase.start_tour) drive a headless Chromium that
# Odoo finds on the PATH (google-chrome, chromium...: odoo/tests/common.py). Without one Odoo skips
# them, and a skip fails the run: Debian's package is installed when none is there.
ensure_chromium() {
  local bin
  for bin in google-chrome chromium chromium-browser google-chrome-stable; do
    command -v "$bin" >/dev/null && return 0
  done
  need_apt chromium
}

setup_all() {
  ensure_postgres
  ensure_odoo_src
  ensure_venv
}
