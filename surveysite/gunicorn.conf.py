"""gunicorn's settings: `gunicorn -c surveysite/gunicorn.conf.py surveysite.wsgi` (the Procfile,
`make serve`). gunicorn reads them before Django starts; the environment (GUNICORN_CMD_ARGS)
and the command line override any of them. See docs/deploy.md.
"""

import os

# Loopback: a reverse proxy on the same machine faces the clients (docs/deploy.md). `make
# serve` (honcho) and most platforms set PORT; a proxy elsewhere needs GUNICORN_CMD_ARGS="--bind
# 0.0.0.0:8000".
bind = [f"127.0.0.1:{os.environ.get('PORT', '8000')}"]
# Sync workers: a request is one short transaction; gunicorn's own rule of thumb for how many.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * os.cpu_count() + 1)
# A request still running after 30 s is killed and its worker replaced; the slow work (sending,
# computing results, exports) runs in Celery, not in a request.
timeout = 30
graceful_timeout = 30
# gunicorn's control socket has one default path per user: a second gunicorn on the machine
# (another site, a second web process) would take it over. Nothing here uses it.
control_socket_disable = True

# One line per request to stdout, errors to stderr. Personal links are redacted by the filter
# Django puts on gunicorn's loggers (surveysite/logging.py) as each worker loads the app.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
