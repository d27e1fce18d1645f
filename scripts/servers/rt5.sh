#!/usr/bin/env bash
# A real Request Tracker 5 (Debian bookworm package) on 127.0.0.1 with a throw-away SQLite
# database, for the RT backend's integration tests (tests/server_rt.py starts it).
#
# Usage:  bash scripts/servers/rt5.sh           # install (if missing) + fresh DB + token + start
#         bash scripts/servers/rt5.sh install   # only the apt install (needs root)
#         bash scripts/servers/rt5.sh stop      # stop the server this ROOT started
#         SMOKE=1 bash scripts/servers/rt5.sh   # also a short curl check of REST2
#
# Environment: ROOT (where config, database, mail, logs and the pid file go; default
# .ci-work/servers at the repo root), RT_PORT (default 8766), RT_ROOT_PASS, RT_WORKERS,
# RT_TEMPLATE (the template database's folder, default $ROOT/rt5-template).
#
# The Debian package is installed system-wide (apt, root needed once per machine); everything
# else lives under $ROOT/rt5 and RT is pointed at it with RT_SITE_CONFIG / RT_SITE_CONFIG_DIR, so
# /etc/request-tracker5 is never read and the package's dbconfig-common DB is never created.
#
# Fast warm start: the first `rt-setup-database-5 --action init` (the slow part, ~8 s) is kept
# as a template database per RT version in $RT_TEMPLATE; later starts copy it (a
# fresh database every start, with the same root password and API token).
#
# On success the last line is `RT up on http://127.0.0.1:PORT (pid N)`; the token is in
# $ROOT/rt5/root-token and the password in $ROOT/rt5/root-password (never printed).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=${ROOT:-$HERE/../../.ci-work/servers}
if [[ "${1:-}" == stop && ! -d $ROOT ]]; then exit 0; fi
mkdir -p "$ROOT"
ROOT=$(cd "$ROOT" && pwd)
RTDIR=$ROOT/rt5
TEMPLATE=${RT_TEMPLATE:-$ROOT/rt5-template}   # may be shared between ROOTs
RT_PORT=${RT_PORT:-8766}
RT_ROOT_PASS=${RT_ROOT_PASS:-password-for-ci}   # RT's MinimumPasswordLength is 5
BASE=http://127.0.0.1:$RT_PORT
API=$BASE/REST/2.0
PIDFILE=$ROOT/rt5-server.pid
LOG=$ROOT/rt5-server.log
RTLIB=/usr/share/request-tracker5/lib
export RT_SITE_CONFIG=$RTDIR/RT_SiteConfig.pm
export RT_SITE_CONFIG_DIR=$RTDIR/RT_SiteConfig.d

t0=${EPOCHREALTIME/,/.}
stamp() { printf '[%6.1fs] %s\n' "$(awk "BEGIN{print ${EPOCHREALTIME/,/.} - $t0}")" "$*"; }
die() { echo "rt5.sh: $*" >&2; exit 1; }

stop_server() {
  if [[ -f $PIDFILE ]]; then
    local pid; pid=$(cat "$PIDFILE")
    # Starlet master: TERM makes it stop its workers and exit
    if kill -0 "$pid" 2>/dev/null; then
      local workers; workers=$(ps -o pid= --ppid "$pid" 2>/dev/null | tr '\n' ' ' || true)
      kill -TERM "$pid"
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
      # and its workers (they may still be writing under $RTDIR)
      for w in $workers; do
        for _ in $(seq 30); do kill -0 "$w" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$w" 2>/dev/null && kill -KILL "$w" 2>/dev/null || true
      done
      echo "stopped pid $pid"
    fi
    rm -f "$PIDFILE"
  fi
}

installed() { dpkg-query -W -f='${Status}' request-tracker5 2>/dev/null | grep -q "install ok installed" \
  && [[ -x /usr/share/request-tracker5/libexec/rt-server ]] && command -v rt-setup-database-5 >/dev/null; }

install_rt() {
  installed && return 0
  command -v apt-get >/dev/null || die "Request Tracker 5 is not installed and there is no apt-get: install the Debian packages request-tracker5 rt5-db-sqlite rt5-standalone by hand."
  local SUDO=()
  if [[ $(id -u) != 0 ]]; then
    command -v sudo >/dev/null && sudo -n true 2>/dev/null || die "Request Tracker 5 is not installed and installing it needs root: run 'sudo bash $0 install' once."
    SUDO=(sudo -n)
  fi
  "${SUDO[@]}" apt-get update -q || die "apt-get update failed: cannot install Request Tracker 5."
  # Tell the package NOT to create its own DB via dbconfig-common, no cron jobs.
  "${SUDO[@]}" debconf-set-selections <<'EOF'
request-tracker5 request-tracker5/dbconfig-install boolean false
request-tracker5 request-tracker5/install-cronjobs boolean false
request-tracker5 request-tracker5/handle-siteconfig-permissions boolean false
request-tracker5 request-tracker5/rtname string rt.test
EOF
  # msmtp-mta: smallest provider of the required mail-transport-agent (never used: MailCommand=mbox)
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ${APT_OPTS:-} \
      request-tracker5 rt5-db-sqlite rt5-standalone msmtp-mta \
    || die "apt-get install of Request Tracker 5 failed (see above)."
  installed || die "Request Tracker 5 still not installed after apt-get."
}

case "${1:-start}" in
  stop) stop_server; exit 0 ;;
  install) install_rt; exit 0 ;;
  start|up) ;;
  *) die "unknown command '$1' (start, install, stop)" ;;
esac

stop_server
install_rt
RT_VERSION=$(dpkg-query -W -f='${Version}' request-tracker5)
stamp "RT $RT_VERSION installed"

# ---------------------------------------------------------------- config (our own, under $RTDIR)
write_config() {  # $1: directory the config, database and state go to
  local dir=$1
  rm -rf "$dir"; mkdir -p "$dir/RT_SiteConfig.d" "$dir/var" "$dir/mason_data" "$dir/session_data"
  cat > "$dir/RT_SiteConfig.pm" <<EOF
Set(\$rtname, 'rt.test');
Set(\$Organization, 'rt.test');
Set(\$WebDomain, '127.0.0.1');
Set(\$WebPort, $RT_PORT);
Set(\$WebPath, '');
Set(\$WebBaseURL, '$BASE');
Set(@ReferrerWhitelist, qw(127.0.0.1:$RT_PORT localhost:$RT_PORT));
Set(\$DatabaseType, 'SQLite');
Set(\$DatabaseName, '$dir/rt.sqlite');
Set(\$Timezone, 'UTC');
# test-only: cheap bcrypt (default 12 costs ~0.4 s per Basic/token-authenticated request)
Set(\$BcryptCost, 4);
Set(\$CorrespondAddress, 'rt@rt.test');
Set(\$CommentAddress, 'rt-comment@rt.test');
# outgoing mail is appended to \$RT::VarPath/<timestamp>.mbox instead of being sent
Set(\$MailCommand, 'mbox');
Set(\$LogToSyslog, undef);
Set(\$LogToFile, undef);
Set(\$LogToSTDERR, 'warning');
# keep RT's writable state out of /var
\$RT::VarPath        = '$dir/var';
\$RT::MasonDataDir   = '$dir/mason_data';
\$RT::MasonSessionDir = '$dir/session_data';
1;
EOF
  printf '%s\n' "$RT_ROOT_PASS" > "$dir/root-password"
  chmod 600 "$dir/root-password"
}

# ---------------------------------------------------------------- template DB (once per RT version)
TEMPLATE_KEY="$RT_VERSION $(printf '%s' "$RT_ROOT_PASS" | sha256sum | cut -c1-16)"
if [[ ! -f $TEMPLATE/ready || $(cat "$TEMPLATE/ready") != "$TEMPLATE_KEY" ]]; then
  write_config "$TEMPLATE"
  RT_SITE_CONFIG=$TEMPLATE/RT_SiteConfig.pm RT_SITE_CONFIG_DIR=$TEMPLATE/RT_SiteConfig.d \
    rt-setup-database-5 --action init --root-password-file "$TEMPLATE/root-password" \
      > "$TEMPLATE/setup-database.log" 2>&1 || { cat "$TEMPLATE/setup-database.log"; die "rt-setup-database-5 failed."; }
  # Auth token for root (REST2: 'Authorization: token ...'); Basic auth root:$RT_ROOT_PASS works too.
  ( umask 077
    RT_SITE_CONFIG=$TEMPLATE/RT_SiteConfig.pm RT_SITE_CONFIG_DIR=$TEMPLATE/RT_SiteConfig.d perl -I"$RTLIB" -e '
      use strict; use RT; RT::LoadConfig(); RT::Init();
      my $cu = RT::CurrentUser->new; $cu->Load("root") or die "no root";
      my ($id, $msg, $auth) = RT::AuthToken->new($cu)->Create(Owner => $cu->id, Description => "ci");
      die $msg unless $id; print "$auth\n";' > "$TEMPLATE/root-token" ) || die "could not create an API token for root."
  printf '%s\n' "$TEMPLATE_KEY" > "$TEMPLATE/ready"
  stamp "template database initialised"
fi

write_config "$RTDIR"
cp "$TEMPLATE/rt.sqlite" "$RTDIR/rt.sqlite"
( umask 077; cp "$TEMPLATE/root-token" "$RTDIR/root-token" )
TOKEN=$(cat "$RTDIR/root-token")
stamp "fresh database at $RTDIR/rt.sqlite"

# ---------------------------------------------------------------- start (Starlet prefork)
nohup /usr/share/request-tracker5/libexec/rt-server --server Starlet --host 127.0.0.1 --port "$RT_PORT" \
      --max-workers "${RT_WORKERS:-2}" > "$LOG" 2>&1 < /dev/null &
echo $! > "$PIDFILE"
for _ in $(seq 1 600); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: token $TOKEN" "$API/rt" || true)
  [[ $code == 200 ]] && break
  kill -0 "$(cat "$PIDFILE")" 2>/dev/null || { cat "$LOG"; rm -f "$PIDFILE"; die "rt-server exited (log above)."; }
  sleep 0.1
done
[[ $code == 200 ]] || { tail -20 "$LOG"; stop_server; die "RT did not answer on $API/rt within 60 s."; }
stamp "RT up on $BASE (pid $(cat "$PIDFILE"))"

if [[ -n "${SMOKE:-}" ]]; then
  A=(-H "Authorization: token $TOKEN")
  J=(-H "Content-Type: application/json")
  curl -sS "${A[@]}" "$API/rt"; echo
  curl -sS "${A[@]}" "${J[@]}" -X POST "$API/ticket" \
    -d '{"Queue":"General","Subject":"Smoke","Requestor":"alice@example.com","Content":"Smoke test.","ContentType":"text/plain"}'; echo
  curl -sS -G "${A[@]}" "$API/tickets" --data-urlencode "query=LastUpdated >= '2000-01-01 00:00:00'" \
    --data-urlencode 'fields=Subject,Status,LastUpdated' -d orderby=LastUpdated -d order=ASC; echo
  stamp "smoke test done"
fi
