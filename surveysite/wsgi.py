import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "surveysite.settings")
# A bad setting raises here on purpose, not through surveysite.boot: gunicorn then logs it
# and halts ("Worker failed to boot"), while a worker that exited would be respawned forever.
application = get_wsgi_application()
