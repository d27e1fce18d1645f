#!/usr/bin/env bash
# A real Redmine 5 (Debian bookworm's `redmine` package) on 127.0.0.1 with a throw-away SQLite
# database, for the Redmine mapping's integration tests (tests/server_redmine.py starts it).
#
# Usage:  bash scripts/servers/redmine.sh           # install (if missing) + fresh DB + keys + start
#         bash scripts/servers/redmine.sh install   # only the apt install (needs root)
#         bash scripts/servers/redmine.sh stop      # stop the server this ROOT started
#         SMOKE=1 bash scripts/servers/redmine.sh   # also a short curl check of the REST API
#
# Environment: ROOT (the instance: config, database, attachments, logs, pid file; default
# .ci-work/redmine/server at the repo root), REDMINE_PORT (default 8781), REDMINE_TEMPLATE
# (the template instance's folder, default .ci-work/redmine/template; may be shared by ROOTs).
#
# On success the last line of stdout is `Redmine up on http://127.0.0.1:PORT (pid N)`.
# Afterwards (each mode 600, never printed):
#   $ROOT/api-key     admin's REST key            $ROOT/admin-pw   admin's password
#   $ROOT/agent2-key  agent2's REST key           $ROOT/agent2-pw  agent2's password
#   $ROOT/custom-fields  "ID NAME" of each issue custom field (Helpdesk marker, Customer e-mail)
#   $ROOT/db/redmine.sqlite3, $ROOT/files/ (attachments), $ROOT/log/{production,server}.log
# Data: Redmine's default configuration (en): trackers Bug=1 Feature=2 Support=3; statuses
# New=1, In Progress=2, Resolved=3, Feedback=4, Closed=5, Rejected=6 (the last two closed);
# priorities Low=1, Normal=2 (default), High=3, Urgent=4, Immediate=5. Project `helpdesk`
# (private, issue tracking, all trackers); admin is its Manager, agent2 (not an admin) its
# Developer (sees and writes private notes). Issue custom fields "Helpdesk marker" (string,
# filterable, visible to Manager and Developer only) and "Customer e-mail" (string), for
# tickets opened from the client. REST API on, login required, no mail sent.
#
# Fast warm start: migrating and loading the default data (the slow part, ~20 s) is done once
# per Redmine version into $REDMINE_TEMPLATE; every start copies that database (and the keys,
# which live in it) into a fresh $ROOT, so a start is a copy plus Rails' boot.
#
# Keeping the instance out of the system one: Debian's Redmine is multi-instance, the instance
# directory (config/database.yml, secret_key.txt, log/, tmp/, files/) being
# /usr/share/redmine/instances/$REDMINE_INSTANCE, and `instances` is a link to /var/lib/redmine.
# A REDMINE_INSTANCE of "../../../../../../../..$ROOT" climbs to / whether the path is cleaned
# lexically (Ruby) or by the kernel (which follows the link first), so the instance directory
# is $ROOT itself and nothing is written under /etc/redmine or /var/lib/redmine. Bundler gets
# a Gemfile of ours under $ROOT (Debian's plus webrick and sqlite3), so Debian's Gemfile.lock
# is never touched.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
ROOT=${ROOT:-$REPO/.ci-work/redmine/server}
if [[ ${1:-} == stop && ! -d $ROOT ]]; then exit 0; fi
mkdir -p "$ROOT"
ROOT=$(cd "$ROOT" && pwd -P)
TEMPLATE=${REDMINE_TEMPLATE:-$REPO/.ci-work/redmine/template}
PORT=${REDMINE_PORT:-8781}
RM=/usr/share/redmine
BASE=http://127.0.0.1:$PORT
PIDFILE=$ROOT/pid

t0=${EPOCHREALTIME/,/.}
stamp() { printf '[%6.1fs] %s\n' "$(awk "BEGIN{print ${EPOCHREALTIME/,/.} - $t0}")" "$*"; }
die() { echo "redmine.sh: $*" >&2; exit 1; }

ours() {  # is $1 a live Redmine server started from this ROOT?
  local cmd
  [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null && cmd=$(tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null) &&
    [[ $cmd == *"rails server "* && $cmd == *" -P $ROOT/tmp/pids/server.pid"* ]]
}
stop_server() {  # $PIDFILE is written once the API answers; Rails' own pid file exists earlier
  local pid
  for pid in $(cat "$PIDFILE" "$ROOT/tmp/pids/server.pid" 2>/dev/null | sort -u); do
    ours "$pid" || continue
    kill -TERM "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "stopped Redmine pid $pid"
  done
  rm -f "$PIDFILE" "$ROOT/tmp/pids/server.pid"
}
api_ok() {
  curl -fsS -o /dev/null --max-time 10 -H "X-Redmine-API-Key: $(cat "$ROOT/api-key")" \
    "$BASE/projects/helpdesk.json" 2>/dev/null
}
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

installed() {
  local p
  for p in redmine redmine-sqlite ruby-webrick curl; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -qx 'install ok installed' || return 1
  done
  [[ -x $RM/bin/rails ]]
}

install_redmine() {
  installed && return 0
  command -v apt-get >/dev/null || die "Redmine is not installed and there is no apt-get: install the Debian packages redmine redmine-sqlite ruby-webrick by hand."
  local SUDO=()
  if [[ $(id -u) != 0 ]]; then
    command -v sudo >/dev/null && sudo -n true 2>/dev/null || die "Redmine is not installed and installing it needs root: run 'sudo bash $0 install' once."
    SUDO=(sudo -n)
  fi
  # The package's postinst configures an instance called `default` through dbconfig-common:
  # answer its questions up front (an SQLite database this script never uses), so that the
  # install cannot stop and ask.
  "${SUDO[@]}" debconf-set-selections <<'EOF'
redmine redmine/current-instances string default
redmine redmine/instances/default/dbconfig-install boolean true
redmine redmine/instances/default/database-type select sqlite3
redmine redmine/instances/default/default-language select en
EOF
  "${SUDO[@]}" apt-get update -q || die "apt-get update failed: cannot install Redmine."
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ${APT_OPTS:-} \
      redmine redmine-sqlite ruby-webrick curl || die "apt-get install of Redmine failed (see above)."
  installed || die "Redmine still not installed after apt-get."
}

case "${1:-start}" in
  stop) exec 9>"$ROOT/.lock"; flock 9; stop_server; exit 0 ;;
  install) install_redmine; exit 0 ;;
  start|up) ;;
  *) die "unknown command '$1' (start, install, stop)" ;;
esac

exec 9>"$ROOT/.lock"; flock 9     # one run at a time per ROOT (the server is started with 9>&-)
stop_server
install_redmine
VERSION=$(dpkg-query -W -f='${Version}' redmine)
stamp "Redmine $VERSION installed"

export RAILS_ENV=production
unset X_DEBIAN_SITEID RAILS_LOG_TO_STDOUT   # X_DEBIAN_SITEID would win over REDMINE_INSTANCE

instance_dir() {  # $1: a fresh instance directory with our Gemfile and database.yml
  local dir=$1
  rm -rf "$dir/config" "$dir/db" "$dir/files" "$dir/log" "$dir/tmp" "$dir/public"
  mkdir -p "$dir/config" "$dir/db" "$dir/files" "$dir/log" "$dir/tmp/pids"
  cat > "$dir/Gemfile" <<'EOF'
# Written by scripts/servers/redmine.sh: Debian's Redmine Gemfile (which also reads its
# Gemfile.local), plus what a standalone `rails server` on SQLite needs if not already there.
eval_gemfile '/usr/share/redmine/Gemfile'
declared = dependencies.map(&:name)
gem 'webrick' unless declared.include?('webrick')
gem 'sqlite3', '~> 1.4.0' unless declared.include?('sqlite3')
EOF
  # Resolved on every start (0.5 s), so a Debian upgrade of a gem cannot leave a stale lock.
  (cd "$dir" && BUNDLE_GEMFILE=$dir/Gemfile bundle lock --local >"$dir/log/bundle.log" 2>&1) \
    || { cat "$dir/log/bundle.log" >&2; die "bundle lock failed"; }
  cat > "$dir/config/database.yml" <<EOF
production:
  adapter: sqlite3
  database: $dir/db/redmine.sqlite3
  timeout: 10000
  encoding: utf8
EOF
  ruby -rsecurerandom -e 'puts SecureRandom.hex(32)' > "$dir/config/secret_key.txt"
  chmod 600 "$dir/config/secret_key.txt"
}

# ---------------------------------------------------------------- template (once per version)
mkdir -p "$TEMPLATE"
TEMPLATE=$(cd "$TEMPLATE" && pwd -P)
exec 8>"$TEMPLATE.lock"; flock 8   # ROOTs sharing a template build it once
SETUP_REVISION=2   # bump when setup.rb changes: the template is built again
TEMPLATE_KEY="$VERSION setup-$SETUP_REVISION"
if [[ ! -f $TEMPLATE/ready || $(cat "$TEMPLATE/ready") != "$TEMPLATE_KEY" ]]; then
  rm -f "$TEMPLATE/ready"
  instance_dir "$TEMPLATE"
  ruby -rsecurerandom -e 'puts SecureRandom.alphanumeric(20)' > "$TEMPLATE/admin-pw"
  ruby -rsecurerandom -e 'puts SecureRandom.alphanumeric(20)' > "$TEMPLATE/agent2-pw"
  chmod 600 "$TEMPLATE/admin-pw" "$TEMPLATE/agent2-pw"
  export REDMINE_INSTANCE=../../../../../../../..$TEMPLATE BUNDLE_GEMFILE=$TEMPLATE/Gemfile
  # Migrations and the default data run in separate processes: loading the data in the
  # migrating process fails on column information cached before later migrations.
  (cd $RM && SCHEMA=/dev/null bin/rake db:migrate) >"$TEMPLATE/log/setup.log" 2>&1 \
    || { tail -30 "$TEMPLATE/log/setup.log" >&2; die "db:migrate failed (see $TEMPLATE/log/setup.log)"; }
  stamp "template database migrated"
  cat > "$TEMPLATE/setup.rb" <<'EOF'
# Run by scripts/servers/redmine.sh through `rails runner`, once per template.
root = ENV.fetch('TEMPLATE_ROOT')
Redmine::DefaultData::Loader.load('en') if Redmine::DefaultData::Loader.no_data?
Setting.rest_api_enabled = '1'
Setting.login_required = '1'                # anonymous requests get 401, as on a real helpdesk
Setting.notified_events = []                # no mail jobs at all
Setting.host_name = '127.0.0.1'             # the port is set per instance (the copy's first start)
Setting.protocol = 'http'

admin = User.find_by_login!('admin')        # created by the migrations as admin/admin
admin.password = admin.password_confirmation = File.read("#{root}/admin-pw").strip
admin.must_change_passwd = false
admin.save!

project = Project.find_by(identifier: 'helpdesk') ||
  Project.create!(name: 'Helpdesk', identifier: 'helpdesk', is_public: false,
                  description: 'Hosting support desk (test instance)',
                  tracker_ids: Tracker.sorted.pluck(:id), enabled_module_names: %w(issue_tracking))

agent = User.find_by_login('agent2') || User.new.tap do |u|
  u.login = 'agent2'; u.firstname = 'Agent'; u.lastname = 'Two'; u.mail = 'agent2@example.com'
  u.language = 'en'; u.admin = false
  u.password = u.password_confirmation = File.read("#{root}/agent2-pw").strip
  u.save!
end
{ admin => 'Manager', agent => 'Developer' }.each do |user, role_name|
  next if Member.where(project_id: project.id, user_id: user.id).exists?
  Member.create!(project: project, principal: user, role_ids: [Role.givable.find_by!(name: role_name).id])
end

# Two issue fields for tickets opened from the helpdesk client (options marker_field and
# customer_field): the marker that finds a new issue after a lost answer, seen by agents'
# roles only (a customer, a Reporter, never sees it), and the customer's e-mail address.
agents = Role.givable.where(name: %w(Manager Developer)).to_a
{ 'Helpdesk marker' => { visible: false, role_ids: agents.map(&:id) },
  'Customer e-mail' => { visible: true } }.each do |name, extra|
  next if IssueCustomField.find_by(name: name)
  IssueCustomField.create!({ name: name, field_format: 'string', is_for_all: true, is_filter: true,
                             searchable: false, tracker_ids: Tracker.pluck(:id) }.merge(extra))
end

File.write("#{root}/api-key", admin.api_key + "\n")       # User#api_key creates the token on first use
File.write("#{root}/agent2-key", agent.api_key + "\n")
File.write("#{root}/custom-fields", IssueCustomField.order(:id).map { |f| "#{f.id} #{f.name}\n" }.join)
puts "project #{project.identifier} id=#{project.id} trackers=#{project.trackers.pluck(:name).join(',')}"
EOF
  (cd $RM && TEMPLATE_ROOT=$TEMPLATE bin/rails runner "$TEMPLATE/setup.rb") >>"$TEMPLATE/log/setup.log" 2>&1 \
    || { tail -30 "$TEMPLATE/log/setup.log" >&2; die "setup failed (see $TEMPLATE/log/setup.log)"; }
  chmod 600 "$TEMPLATE/api-key" "$TEMPLATE/agent2-key"
  printf '%s\n' "$TEMPLATE_KEY" > "$TEMPLATE/ready"
  stamp "template: default data, REST API, project helpdesk, users admin + agent2"
fi

# ---------------------------------------------------------------- a fresh instance under $ROOT
instance_dir "$ROOT"
cp "$TEMPLATE/db/redmine.sqlite3" "$ROOT/db/redmine.sqlite3"
( umask 077; for f in api-key agent2-key admin-pw agent2-pw custom-fields; do cp "$TEMPLATE/$f" "$ROOT/$f"; done )
flock -u 8
# Links Redmine writes (mail, attachment URLs outside a request) name this instance's port.
ruby -rsqlite3 -e 'db = SQLite3::Database.new(ARGV[0]); db.execute("UPDATE settings SET value = ? WHERE name = ?", [ARGV[1], "host_name"])' \
  "$ROOT/db/redmine.sqlite3" "127.0.0.1:$PORT" || die "could not set the host name in the database copy"
stamp "fresh database at $ROOT/db/redmine.sqlite3"

# ---------------------------------------------------------------- start (WEBrick, one process)
port_busy && die "127.0.0.1:$PORT is already taken by another process"
export REDMINE_INSTANCE=../../../../../../../..$ROOT BUNDLE_GEMFILE=$ROOT/Gemfile
(cd $RM && exec setsid -w nohup bin/rails server -u webrick -b 127.0.0.1 -p "$PORT" \
     -P "$ROOT/tmp/pids/server.pid" >"$ROOT/log/server.log" 2>&1 </dev/null 8>&- 9>&-) &
launched=$!
pid=
for _ in $(seq 1200); do   # up to 2 minutes
  pid=$(cat "$ROOT/tmp/pids/server.pid" 2>/dev/null || true)
  [[ -n $pid ]] && api_ok && break
  kill -0 "$launched" 2>/dev/null || { tail -30 "$ROOT/log/server.log" >&2; die "server exited while starting"; }
  sleep 0.1
done
api_ok || { tail -30 "$ROOT/log/server.log" >&2; stop_server; die "Redmine did not answer within 2 minutes"; }
echo "$pid" > "$PIDFILE"
stamp "Redmine up on $BASE (pid $pid)"

if [[ -n ${SMOKE:-} ]]; then
  A=(-H "X-Redmine-API-Key: $(cat "$ROOT/api-key")")
  J=(-H "Content-Type: application/json")
  curl -sS "${A[@]}" "$BASE/users/current.json"; echo
  curl -sS "${A[@]}" "${J[@]}" -X POST "$BASE/issues.json" \
    -d '{"issue":{"project_id":"helpdesk","subject":"Smoke","description":"Smoke test."}}'; echo
  curl -sS -G "${A[@]}" "$BASE/issues.json" -d project_id=helpdesk -d status_id='*' -d sort=updated_on:asc \
    --data-urlencode 'updated_on=>=2000-01-01T00:00:00Z'; echo
  stamp "smoke test done"
fi
