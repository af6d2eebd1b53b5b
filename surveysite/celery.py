import os

from celery import Celery

from surveysite.boot import settings_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "surveysite.settings")

app = Celery("surveysite")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Tasks live in the rooms of the responses app: responses/<room>/tasks.py.
app.autodiscover_tasks(["responses.fieldwork", "responses.results"])


@app.on_configure.connect
def _settings_or_exit(**signal):
    # Celery reads the settings the first time it needs them (for `celery -A surveysite
    # worker`, while parsing its options): a bad setting then ends it with one line.
    settings_or_exit()
