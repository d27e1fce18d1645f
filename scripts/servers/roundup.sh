#!/usr/bin/env bash
# A real Roundup 2 (PyPI `roundup`, classic template, SQLite) on 127.0.0.1 with a fresh tracker
# per ROOT, for the Roundup backend's integration tests (tests/server_roundup.py starts it).
#
# Usage:  bash scripts/servers/roundup.sh         # venv (once) + tracker (once per ROOT) + start
#         bash scripts/servers/roundup.sh stop    # stop the server this ROOT started (pid file)
#         FRESH=1 bash scripts/servers/roundup.sh # wipe this ROOT's tracker first
#
# Environment: ROOT (tracker, logs, pid file, passwords; default .ci-work/roundup/default at
# the repo root), ROUNDUP_PORT (default 8782), ROUNDUP_VERSION (default 2.6.0), ROUNDUP_VENV
# (default .ci-work/roundup/venv: made once from Debian's /usr/bin/python3 and shared by every
# ROOT), ROUNDUP_TEMPLATE (an initialised tracker copied into each new ROOT, default
# .ci-work/roundup/template: `roundup-admin install` + `initialise` run once per version).
#
# On success the last stdout line is `Roundup up on http://127.0.0.1:PORT/helpdesk/ (pid N)`.
# Afterwards ROOT/admin-pw and ROOT/agent2-pw hold the passwords of `admin` (Admin) and
# `agent2` (User); the REST API is at .../helpdesk/rest, Basic auth; writes need the headers
# `X-Requested-With: rest` and `Origin: http://127.0.0.1:PORT`. Outgoing mail is written to
# ROOT/log/mail.log, never sent.
# Classic schema ids: status unread=1 deferred=2 chatting=3 need-eg=4 in-progress=5 testing=6
# done-cbb=7 resolved=8; priority critical=1 urgent=2 bug=3 feature=4 wish=5.
#
# roundup-server refuses to run as root: it binds as root, then switches to nobody:nogroup,
# which owns ROOT/tracker and ROOT/log, so the venv is made from /usr/bin/python3 (a python
# under /root would be unreadable for nobody). Four failed logins lock a user for 150 s (429):
# the smoke check below always uses the right password.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mkdir -p "$HERE/../../.ci-work/roundup" && cd "$HERE/../../.ci-work/roundup" && pwd -P)
ROOT=${ROOT:-$WORK/default}
if [[ ${1:-} == stop && ! -d $ROOT ]]; then exit 0; fi
PORT=${ROUNDUP_PORT:-8782}
VERSION=${ROUNDUP_VERSION:-2.6.0}
VENV=${ROUNDUP_VENV:-$WORK/venv}
TEMPLATE=${ROUNDUP_TEMPLATE:-$WORK/template}
PY=/usr/bin/python3

t0=${EPOCHREALTIME/,/.}
stamp() { printf '[%6.1fs] %s\n' "$(awk "BEGIN{print ${EPOCHREALTIME/,/.} - $t0}")" "$*"; }
say() { stamp "$@" >&2; }
die() { echo "roundup.sh: $*" >&2; exit 1; }

mkdir -p "$ROOT"
ROOT=$(cd "$ROOT" && pwd -P)
chmod 755 "$ROOT" "$WORK"
BASE=http://127.0.0.1:$PORT/helpdesk/
PIDFILE=$ROOT/pid
TRACKER=$ROOT/tracker

ours() {  # is $1 a live roundup-server serving this ROOT's tracker?
  local cmd
  [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null && cmd=$(tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null) &&
    [[ $cmd == *"/roundup-server "* && $cmd == *" helpdesk=$TRACKER"* ]]
}
stop_server() {
  local pid; pid=$(cat "$PIDFILE" 2>/dev/null || true)
  if ours "$pid"; then
    kill -TERM "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "stopped Roundup pid $pid" >&2
  fi
  rm -f "$PIDFILE"
}
api_ok() {  # GET /rest/data/status as admin answers 200 (never a wrong password: no lock-out)
  [[ -x $VENV/bin/python && -f $ROOT/admin-pw ]] || return 1
  "$VENV/bin/python" - "$BASE" "$(cat "$ROOT/admin-pw")" <<'EOF' 2>/dev/null
import base64, sys, urllib.request
req = urllib.request.Request(sys.argv[1] + "rest/data/status", headers={
    "Authorization": "Basic " + base64.b64encode(("admin:" + sys.argv[2]).encode()).decode()})
sys.exit(0 if urllib.request.urlopen(req, timeout=10).status == 200 else 1)
EOF
}
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

exec 9>"$ROOT/.lock"; flock 9     # one run at a time per ROOT (the server is started with 9>&-)

case "${1:-start}" in
  stop) stop_server; exit 0 ;;
  start|up) ;;
  *) die "unknown command '$1' (start, stop)" ;;
esac

# ---------------------------------------------------------------- already up?  then only say so
pid=$(cat "$PIDFILE" 2>/dev/null || true)
if [[ -z ${FRESH:-} ]] && ours "$pid" && [[ -f $ROOT/.ready ]] && api_ok; then
  stamp "Roundup up on $BASE (pid $pid)"; exit 0
fi
stop_server

# ---------------------------------------------------------------- 1. venv with roundup (once, shared)
exec 8>"$WORK/.venv.lock"; flock 8   # ROOTs share the venv and the template: one builder at a time
if ! "$PY" -c 'import ensurepip, venv' 2>/dev/null; then
  command -v apt-get >/dev/null || die "/usr/bin/python3 has no venv module and there is no apt-get: install python3-venv."
  say "installing python3 python3-venv from Debian"
  apt-get update -q >&2 || die "apt-get update failed: cannot install python3-venv."
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3 python3-venv >&2 \
    || die "apt-get install python3-venv failed."
fi
if [[ $("$VENV/bin/python" -c 'import roundup; print(roundup.__version__)' 2>/dev/null) != "$VERSION" ]]; then
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "roundup==$VERSION" 2>&1 | grep -v "is ignored: it is neither" >&2 || true
  [[ -x $VENV/bin/roundup-server ]] || die "pip install roundup==$VERSION failed (PyPI reachable?): no roundup-server."
  say "venv with roundup $VERSION at $VENV"
fi

# ---------------------------------------------------------------- 2. template tracker (once per version)
# Options are SECTION_OPTION=value ([main] ones without a prefix). PBKDF2 rounds: Roundup's
# minimum (1000) instead of the default, test-only, else every Basic-authenticated REST request
# costs ~0.3 s of CPU. tracker_web and mail_debug are rewritten per ROOT below.
if [[ ! -f $TEMPLATE/ready || $(cat "$TEMPLATE/ready") != "$VERSION" ]]; then
  rm -rf "$TEMPLATE"; mkdir -p "$TEMPLATE"
  (umask 077; "$PY" -c 'import secrets; print(secrets.token_urlsafe(15))' > "$TEMPLATE/admin-pw"
              "$PY" -c 'import secrets; print(secrets.token_urlsafe(15))' > "$TEMPLATE/agent2-pw")
  "$VENV/bin/roundup-admin" -i "$TEMPLATE/tracker" install classic sqlite \
    "tracker_name=helpdesk,tracker_web=http://127.0.0.1:1/helpdesk/,mail_domain=localhost,mail_debug=/dev/null,password_pbkdf2_default_rounds=1000" \
    > "$TEMPLATE/setup.log" 2>&1 || { cat "$TEMPLATE/setup.log" >&2; die "roundup-admin install failed."; }
  "$VENV/bin/roundup-admin" -i "$TEMPLATE/tracker" initialise "$(cat "$TEMPLATE/admin-pw")" </dev/null \
    >>"$TEMPLATE/setup.log" 2>&1 || { cat "$TEMPLATE/setup.log" >&2; die "roundup-admin initialise failed."; }
  "$VENV/bin/roundup-admin" -i "$TEMPLATE/tracker" create user username=agent2 "password=$(cat "$TEMPLATE/agent2-pw")" \
    realname="Agent Two" address=agent2@example.com roles=User </dev/null >>"$TEMPLATE/setup.log" 2>&1 \
    || { cat "$TEMPLATE/setup.log" >&2; die "creating agent2 failed."; }
  echo "$VERSION" > "$TEMPLATE/ready"
  say "template tracker initialised at $TEMPLATE/tracker (users admin, agent2)"
fi
flock -u 8

# ---------------------------------------------------------------- 3. this ROOT's tracker (once)
if [[ -n ${FRESH:-} || ! -f $ROOT/.ready ]]; then
  rm -rf "$ROOT/.ready" "$TRACKER" "$ROOT/log" "$ROOT/admin-pw" "$ROOT/agent2-pw"
  cp -a "$TEMPLATE/tracker" "$TRACKER"
  (umask 077; cp "$TEMPLATE/admin-pw" "$TEMPLATE/agent2-pw" "$ROOT/")
  touch "$ROOT/.ready"
  say "fresh tracker at $TRACKER"
fi
mkdir -p "$ROOT/log"
# The Origin check of REST writes compares with tracker.web: keep it on the current port.
# Tests put a fault proxy (another loopback port, the Host passed through) in front of the server:
# REST may come from any Origin (Roundup still checks that one is sent) and a foreign Host is
# only logged. Test-only; a real tracker behind a reverse proxy sets web = its public URL.
sed -i -e "s|^web = .*|web = $BASE|" -e "s|^mail_debug = .*|mail_debug = $ROOT/log/mail.log|" \
  -e "s|^allowed_api_origins = .*|allowed_api_origins = *|" \
  -e "s|^csrf_enforce_header_host = .*|csrf_enforce_header_host = logfailure|" "$TRACKER/config.ini"
chown -R nobody:nogroup "$TRACKER" "$ROOT/log"

# ---------------------------------------------------------------- 4. start
port_busy && die "127.0.0.1:$PORT is already taken by another process."
# -d FILE -D: stay in the foreground but write the server's own pid (before dropping to nobody)
setsid -w nohup "$VENV/bin/roundup-server" -n 127.0.0.1 -p "$PORT" -u nobody -g nogroup \
  -l "$ROOT/log/server.log" -d "$PIDFILE" -D "helpdesk=$TRACKER" >>"$ROOT/log/server.log" 2>&1 </dev/null 8>&- 9>&- &
launched=$!
for _ in $(seq 300); do   # up to 30 s
  api_ok && break
  kill -0 "$launched" 2>/dev/null || { tail -20 "$ROOT/log/server.log" >&2; die "roundup-server exited while starting (log above)."; }
  sleep 0.1
done
api_ok || { tail -20 "$ROOT/log/server.log" >&2; stop_server; die "Roundup did not answer on ${BASE}rest within 30 s."; }
stamp "Roundup up on $BASE (pid $(cat "$PIDFILE"))"
