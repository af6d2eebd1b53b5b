import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "surveysite.settings")

app = Celery("surveysite")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Tasks live in the rooms of the responses app: responses/<room>/tasks.py.
app.autodiscover_tasks(["responses.fieldwork", "responses.results"])
