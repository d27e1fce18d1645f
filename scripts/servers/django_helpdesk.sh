#!/usr/bin/env bash
# A real django-helpdesk (PyPI) server on 127.0.0.1, for the django-helpdesk backend's tests.
#
# Usage:  bash scripts/servers/django_helpdesk.sh          # (re)install venv, fresh DB, start
#         REUSE_VENV=1 bash scripts/servers/django_helpdesk.sh   # keep a working venv (fast)
#         bash scripts/servers/django_helpdesk.sh stop     # stop the server this script started
#
# Environment: ROOT (where venv, project, DB, token and log go; default <repo>/.ci-work/
# django-helpdesk, which is gitignored), DH_PORT (default 8765), DH_VERSION (2.6.1),
# DH_ADMIN_PASS, PYTHON (interpreter for the venv, default python3), SMOKE=1 (curl check),
# DH_VENV (default $ROOT/dh-venv: several ROOTs may share one venv; installs take a lock).
#
# Writes: $ROOT/dh-token.txt (DRF token of the superuser 'admin', mode 600; .header: the same
# as an HTTP header line for curl -H @file), $ROOT/dh-server.pid,
# $ROOT/dh-server.log, $ROOT/dh-project/ (manage.py; run 'manage.py shell -c' there).
# The migrated empty database is cached per version (dh-template-*.sqlite3), so a warm start is
# a file copy plus one 'manage.py shell' for the admin, its token and the 'support' queue.
# The token never goes to stdout.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
ROOT=${ROOT:-$REPO/.ci-work/django-helpdesk}
DH_PORT=${DH_PORT:-8765}
DH_VERSION=${DH_VERSION:-2.6.1}
PYTHON=${PYTHON:-python3}
ADMIN_USER=admin
ADMIN_PASS=${DH_ADMIN_PASS:-Adm1n-pass-123}
VENV=${DH_VENV:-$ROOT/dh-venv}
PROJ=$ROOT/dh-project
PIDFILE=$ROOT/dh-server.pid
LOG=$ROOT/dh-server.log
TEMPLATE_DB=$VENV-template-$DH_VERSION.sqlite3
BASE=http://127.0.0.1:$DH_PORT

stop_server() {
  if [[ -f $PIDFILE ]]; then
    local pid
    pid=$(cat "$PIDFILE")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
      echo "stopped django-helpdesk (pid $pid)"
    fi
    rm -f "$PIDFILE"
  fi
}

mkdir -p "$ROOT"
if [[ "${1:-}" == stop ]]; then stop_server; exit 0; fi

T0=$EPOCHREALTIME
stamp() { awk -v a="$T0" -v b="$EPOCHREALTIME" -v m="$*" 'BEGIN { printf "[%6.1fs] %s\n", b - a, m }'; }

stop_server

# ---------------------------------------------------------------- 1. venv (PyPI)
venv_ok() {
  [[ -x $VENV/bin/python ]] && "$VENV/bin/python" - "$DH_VERSION" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(0 if version("django-helpdesk") == sys.argv[1] and version("djangorestframework") else 1)
PY
}
mkdir -p "$(dirname "$VENV")"
exec 9>"$VENV.lock"
flock 9   # one install (and one template database) at a time per venv
if [[ -z "${REUSE_VENV:-}" ]] || ! venv_ok; then
  rm -rf "$VENV" "$VENV"-template-*.sqlite3
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "django-helpdesk==$DH_VERSION" 2>&1 \
    | grep -v "is ignored: it is neither" || true
  if ! venv_ok; then
    echo "django_helpdesk.sh: could not install django-helpdesk==$DH_VERSION from PyPI into $VENV" >&2
    exit 1
  fi
  stamp "venv installed ($VENV)"
else
  stamp "venv reused ($VENV)"
fi
PY=$VENV/bin/python

# ---------------------------------------------------------------- 2. project
mkdir -p "$PROJ/hdsite"
cat > "$PROJ/manage.py" <<'PYEOF'
#!/usr/bin/env python
import os, sys
if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdsite.settings")
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)
PYEOF
touch "$PROJ/hdsite/__init__.py"
cat > "$PROJ/hdsite/settings.py" <<'PYEOF'
from pathlib import Path
BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "test-only-not-secret"
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "helpdesk",
]
SITE_ID = 1
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "hdsite.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [], "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "/static/"
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "/media/"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
LOGIN_URL = "/helpdesk/login/"
# Outgoing mail goes nowhere (the API sends notification mails on create/followup).
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = "helpdesk@localhost"
# Test-only: cheap hashing, else every Basic-auth request costs ~0.7 s.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

HELPDESK_TEAMS_MODE_ENABLED = False   # otherwise pinax-teams is required
HELPDESK_KB_ENABLED = True
HELPDESK_API_ENABLED = True           # /helpdesk/api/...

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.BasicAuthentication",
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
}
PYEOF
cat > "$PROJ/hdsite/urls.py" <<'PYEOF'
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
urlpatterns = [
    path("admin/", admin.site.urls),
    path("helpdesk/", include("helpdesk.urls", namespace="helpdesk")),
    # Uploaded files (attachments' "file" URLs), as a real site's web server serves MEDIA_URL.
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
]
PYEOF
cd "$PROJ"

# ---------------------------------------------------------------- 3. fresh DB, admin, token, queue
rm -f "$PROJ/db.sqlite3" "$PROJ/db.sqlite3-journal"
if [[ ! -f $TEMPLATE_DB ]]; then
  "$PY" manage.py migrate -v0
  cp "$PROJ/db.sqlite3" "$TEMPLATE_DB.tmp" && mv "$TEMPLATE_DB.tmp" "$TEMPLATE_DB"
  stamp "database migrated (cached as $(basename "$TEMPLATE_DB"))"
else
  cp "$TEMPLATE_DB" "$PROJ/db.sqlite3"
fi
exec 9>&-   # closing the descriptor releases the lock (and keeps it out of the server)
umask 077
DH_ADMIN_USER=$ADMIN_USER DH_ADMIN_PASS=$ADMIN_PASS DH_TOKEN_FILE=$ROOT/dh-token.txt "$PY" manage.py shell -v0 -c '
import os
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from helpdesk.models import Queue
user = get_user_model().objects.create_superuser(
    os.environ["DH_ADMIN_USER"], "admin@example.com", os.environ["DH_ADMIN_PASS"])
token = Token.objects.create(user=user)
with open(os.environ["DH_TOKEN_FILE"], "w") as fh:
    fh.write(token.key + "\n")
with open(os.environ["DH_TOKEN_FILE"] + ".header", "w") as fh:  # for curl -H @file: not in argv
    fh.write("Authorization: Token " + token.key + "\n")
Queue.objects.create(title="Support", slug="support", allow_public_submission=True)
'
umask 022
stamp "fresh DB: superuser '$ADMIN_USER', token in $ROOT/dh-token.txt, queue 'support'"

# ---------------------------------------------------------------- 4. start
nohup "$PY" manage.py runserver --noreload --nothreading 127.0.0.1:"$DH_PORT" > "$LOG" 2>&1 &
echo $! > "$PIDFILE"
AUTH_HEADER=$ROOT/dh-token.txt.header
up=""
for _ in $(seq 1 200); do
  if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then break; fi
  if curl -fs -o /dev/null -H @"$AUTH_HEADER" "$BASE/helpdesk/api/tickets/?page_size=1"; then
    up=1; break
  fi
  sleep 0.1
done
if [[ -z $up ]]; then
  echo "django_helpdesk.sh: the server did not come up on $BASE; last lines of $LOG:" >&2
  tail -n 20 "$LOG" >&2 || true
  stop_server >&2
  exit 1
fi
stamp "django-helpdesk $DH_VERSION up on $BASE (pid $(cat "$PIDFILE"))"

if [[ -n "${SMOKE:-}" ]]; then
  curl -fsS -H @"$AUTH_HEADER" "$BASE/helpdesk/api/tickets/?page_size=1" > /dev/null
  stamp "smoke: GET /helpdesk/api/tickets/ answered"
fi
