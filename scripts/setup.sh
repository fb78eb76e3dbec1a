#!/usr/bin/env bash
# setup.sh installs what dancu's tests need on a Debian 12 machine. The
# machines CI and developers get are fresh, so the project must install its
# own prerequisites instead of relying on what someone left behind. It is
# idempotent and prints one line per thing it actually did, nothing when
# everything is already there.
set -euo pipefail

# Debian's postgresql-15 puts its server binaries here, off PATH; the test
# harness (internal/store/storetest) looks in the same two places.
readonly PG_BIN=/usr/lib/postgresql/15/bin
readonly PG_USER=postgres

say() { echo "setup: $*"; }

# as_root runs a command as root: directly when we are root (the normal
# case on CI), else through sudo on a developer's own machine.
as_root() {
	if [[ $EUID -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		echo "setup: need root to run: $*" >&2
		exit 1
	fi
}

have_initdb() {
	command -v initdb >/dev/null 2>&1 || [[ -x $PG_BIN/initdb ]]
}

# ensure_postgres installs the PostgreSQL 15 server binaries. The tests
# start throwaway servers of their own, so the package's default cluster
# would only be an idle server on port 5432: ask for none to be created.
ensure_postgres() {
	have_initdb && return 0
	as_root mkdir -p /etc/postgresql-common/createcluster.d
	echo 'create_main_cluster = false' |
		as_root tee /etc/postgresql-common/createcluster.d/dancu-no-main-cluster.conf >/dev/null
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null
	have_initdb || {
		echo "setup: postgresql-15 installed but initdb is missing from PATH and $PG_BIN" >&2
		exit 1
	}
	say "installed PostgreSQL 15 (postgresql-15)"
}

# ensure_pg_user makes the system user that runs PostgreSQL when the tests
# run as root, since initdb and postgres refuse to. The Debian package
# creates it; this covers binaries that came from elsewhere.
ensure_pg_user() {
	getent passwd "$PG_USER" >/dev/null && return 0
	local group_opt=(--user-group)
	if getent group "$PG_USER" >/dev/null; then
		group_opt=(--gid "$PG_USER")
	fi
	as_root useradd --system --no-create-home --shell /usr/sbin/nologin "${group_opt[@]}" "$PG_USER"
	say "created system user $PG_USER"
}

# ensure_chromium installs Debian's Chromium for the browser tests (the
# passkey login in internal/oidc drives it headless through chromedp, with
# a virtual WebAuthn authenticator). They fail, not skip, without it.
ensure_chromium() {
	command -v chromium >/dev/null 2>&1 && return 0
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends chromium >/dev/null
	command -v chromium >/dev/null 2>&1 || {
		echo "setup: chromium installed but not on PATH" >&2
		exit 1
	}
	say "installed Chromium (chromium)"
}

# ensure_node installs Node.js and npm from Debian when missing: the OIDC
# interoperability tests run npm openid-client as an independent relying
# party.
ensure_node() {
	command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && return 0
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
	say "installed Node.js and npm"
}

# ensure_js_tests installs tests/js from its lock file, again whenever
# the lock file is newer than what is installed.
ensure_js_tests() {
	local dir
	dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/js"
	local stamp="$dir/node_modules/.package-lock.json"
	if [[ -f $stamp && ! $dir/package-lock.json -nt $stamp ]]; then
		return 0
	fi
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
	say "installed tests/js (npm ci)"
}

main() {
	ensure_postgres
	ensure_pg_user
	ensure_node
	ensure_js_tests
	ensure_chromium
}

main "$@"
