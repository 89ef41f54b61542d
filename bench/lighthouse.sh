#!/usr/bin/env bash
# Lighthouse (mobile preset) on the five pages of issue 13: login, home, an account page,
# the dashboard and the accounts table, against the demo company served by gunicorn with
# DEBUG off (as production: whitenoise, compressed and hashed static files).
#
#   LIGHTHOUSE_DIR=/tmp/lh bench/lighthouse.sh        # once: npm i -E lighthouse@12.2.3 there
#
# Needs Debian's Chromium (/usr/bin/chromium); bench/lighthouse_run.mjs runs each page with
# the session in the browser's cookie jar (the htmx panels' requests carry it too). Uses its
# own SQLite database and static folder under $WORK (default /tmp/kam-lighthouse); prints
# one line of scores a page and leaves the JSON reports in $WORK.
set -euo pipefail
cd "$(dirname "$0")/.."
LIGHTHOUSE_DIR=${LIGHTHOUSE_DIR:-/tmp/kam-lighthouse-npm}
WORK=${WORK:-/tmp/kam-lighthouse}
PORT=${PORT:-8765}
PY=.venv/bin/python
mkdir -p "$WORK"
if [ ! -x "$LIGHTHOUSE_DIR/node_modules/.bin/lighthouse" ]; then
  mkdir -p "$LIGHTHOUSE_DIR"
  (cd "$LIGHTHOUSE_DIR" && npm init -y >/dev/null && npm i -E lighthouse@12.2.3 --no-audit --no-fund)
fi
export DATABASE_URL="sqlite:///$WORK/demo.sqlite3" STATIC_ROOT="$WORK/static" DEBUG=0 REDIS_URL=
if [ ! -f "$WORK/demo.sqlite3" ]; then
  $PY manage.py migrate -v0
  $PY manage.py seed_demo --if-empty >/dev/null
  $PY manage.py recompute_metrics >/dev/null
  $PY manage.py portfolio_matrix_compute >/dev/null
  $PY manage.py evaluate_alerts >/dev/null 2>&1
fi
$PY manage.py collectstatic --noinput -v0
setsid .venv/bin/gunicorn kam.wsgi -b "127.0.0.1:$PORT" -w 2 >"$WORK/gunicorn.log" 2>&1 &
SERVER=$!
trap 'kill -- -$SERVER 2>/dev/null || kill $SERVER' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/livez" >/dev/null && break; sleep 0.2; done

# A KAM's session for home and the account page; the head's for the portfolio pages.
session() {
  $PY manage.py shell -c "
from django.contrib.sessions.backends.db import SessionStore
from accounts.models import User
u = User.objects.get(username='$1'); s = SessionStore()
s['_auth_user_id'] = str(u.pk); s['_auth_user_backend'] = 'django.contrib.auth.backends.ModelBackend'
s['_auth_user_hash'] = u.get_session_auth_hash(); s.create(); print(s.session_key)" | tail -1
}
KAM=$(session a.ivanova)
HEAD=$(session s.volkov)
ACCOUNT=$($PY manage.py shell -c "
from accounts.models import Account
print(Account.objects.filter(owner__username='a.ivanova', is_key=True).order_by('-ttm_revenue').first().pk)" | tail -1)

run() {  # name path session
  LIGHTHOUSE_DIR="$LIGHTHOUSE_DIR" node bench/lighthouse_run.mjs \
    "http://127.0.0.1:$PORT$2" "$3" "$WORK/$1.json"
  node -e "
const r = require('$WORK/$1.json'); const c = r.categories; const a = r.audits;
const failed = Object.values(a).filter(x => x.score === 0 && r.categories.accessibility.auditRefs.some(ref => ref.id === x.id)).map(x => x.id);
console.log(['$1', 'perf ' + Math.round(c.performance.score * 100), 'a11y ' + Math.round(c.accessibility.score * 100),
  'bp ' + Math.round(c['best-practices'].score * 100), 'LCP ' + a['largest-contentful-paint'].displayValue,
  'TBT ' + a['total-blocking-time'].displayValue, 'CLS ' + a['cumulative-layout-shift'].displayValue,
  'DOM ' + a['dom-size'].displayValue, failed.length ? 'a11y fails: ' + failed.join(',') : ''].join(' | '));"
}
run login /login/ ""
run home / "$KAM"
run account "/accounts/$ACCOUNT/" "$KAM"
run dashboard /portfolio/ "$HEAD"
run accounts /portfolio/accounts/ "$HEAD"
