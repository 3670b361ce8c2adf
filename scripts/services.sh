# Start throw-away PostgreSQL (and, when asked, Redis) servers for the tests, and
# install headless Chromium for the browser tests.
# Source it:  . scripts/services.sh && start_postgres && start_redis && install_chromium
# It exports TEST_POSTGRES_URL / TEST_REDIS_URL and stops the servers on exit.

PG_BIN="${PG_BIN:-}"
SERVICES_DIR="$(mktemp -d /tmp/tanpa-antre-services.XXXXXX)"
chmod 755 "$SERVICES_DIR"
_cleanup_steps=()

stop_services() {
    local step
    for step in "${_cleanup_steps[@]}"; do eval "$step" >/dev/null 2>&1 || true; done
    rm -rf "$SERVICES_DIR"
}
trap stop_services EXIT

# PostgreSQL refuses to run as root: run it as an unprivileged user then.
_as_pg_user() {
    if [ "$(id -u)" = "0" ]; then
        local user="${PG_USER:-postgres}"
        id "$user" >/dev/null 2>&1 || useradd --system --no-create-home "$user"
        runuser -u "$user" -- "$@"
    else
        "$@"
    fi
}

_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

_find_pg_bin() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do [ -x "$dir/initdb" ] && PG_BIN="$dir"; done
}

start_postgres() {
    [ -n "$PG_BIN" ] || _find_pg_bin
    if { [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; } && [ "$(id -u)" = "0" ] \
        && command -v apt-get >/dev/null 2>&1; then
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >/dev/null
        _find_pg_bin
    fi
    if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
        echo "PostgreSQL server binaries not found (install the postgresql package)" >&2
        return 1
    fi
    local data="$SERVICES_DIR/pg" port="${PG_PORT:-$(_free_port)}"
    mkdir -p "$data"
    [ "$(id -u)" = "0" ] && chown "${PG_USER:-postgres}" "$data"
    _as_pg_user "$PG_BIN/initdb" -D "$data" -U tanpa --auth=trust -E UTF8 >/dev/null
    _as_pg_user "$PG_BIN/pg_ctl" -D "$data" -l "$data/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $data -c fsync=on -c max_connections=200" \
        start >/dev/null
    _cleanup_steps+=("_as_pg_user '$PG_BIN/pg_ctl' -D '$data' -m fast stop")
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U tanpa tanpa_test
    export TEST_POSTGRES_URL="postgresql+asyncpg://tanpa@127.0.0.1:$port/tanpa_test"
    echo "PostgreSQL running: $TEST_POSTGRES_URL"
}

start_redis() {
    if ! command -v redis-server >/dev/null 2>&1; then
        if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
            (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >/dev/null
        else
            echo "redis-server not found (install the redis-server package)" >&2
            return 1
        fi
    fi
    local port="${REDIS_PORT:-$(_free_port)}"
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
        --dir "$SERVICES_DIR" --daemonize yes --pidfile "$SERVICES_DIR/redis.pid" >/dev/null
    _cleanup_steps+=("kill \$(cat '$SERVICES_DIR/redis.pid')")
    # Daemonized, it may not accept connections yet: wait until it answers PING.
    local tries=0
    until redis-cli -p "$port" ping >/dev/null 2>&1; do
        tries=$((tries + 1))
        if [ "$tries" -ge 50 ]; then
            echo "redis-server did not start on port $port" >&2
            return 1
        fi
        sleep 0.1
    done
    export TEST_REDIS_URL="redis://127.0.0.1:$port/0"
    echo "Redis running: $TEST_REDIS_URL"
}

# Debian's chromium and its matching chromium-driver, for tests/browser (Selenium).
# Installed once per machine (about 150 MB of packages; a minute or two the first
# time, nothing after); no browser is downloaded by Selenium or Playwright.
install_chromium() {
    if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
        return 0
    fi
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends chromium chromium-driver fonts-dejavu-core) >/dev/null
    else
        echo "chromium not found (install the chromium and chromium-driver packages)" >&2
        return 1
    fi
    echo "Chromium installed: $(chromium --version 2>/dev/null)"
}
