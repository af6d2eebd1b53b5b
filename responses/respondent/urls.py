from django.urls import path

from .views import finish, links, preview, questionnaire, start

app_name = "respondent"

urlpatterns = [
    path("s/<str:secret>/", links.link_open, name="link"),
    path("s/<str:secret>/decline/", links.link_decline, name="link_decline"),
    path("survey/", start.landing, name="landing"),
    path("survey/consent/", start.consent, name="consent"),
    path("survey/privacy/", start.privacy, name="privacy"),
    path("survey/page/<int:number>/", questionnaire.page, name="page"),
    path("survey/answer/", questionnaire.answer_autosave, name="autosave"),
    path("survey/background/", finish.background, name="background"),
    path("survey/background/answer/", finish.background_autosave, name="background_autosave"),
    path("survey/review/", finish.review, name="review"),
    path("survey/submit/", finish.submit, name="submit"),
    path("survey/thanks/", finish.thanks, name="thanks"),
    path("survey/decline/", finish.decline, name="decline"),
]

# The preview of the pages around the statements, for researchers: included by ../urls.py
# in the "research" namespace, beside fieldwork's preview of the statement pages.
preview_urlpatterns = [
    path("<slug:slug>/preview/welcome/", preview.preview_welcome, name="preview_welcome"),
    path("<slug:slug>/preview/about-you/", preview.preview_background, name="preview_background"),
    path("<slug:slug>/preview/review/", preview.preview_review, name="preview_review"),
    path("<slug:slug>/preview/privacy/", preview.preview_privacy, name="preview_privacy"),
    path("<slug:slug>/preview/thanks/", preview.preview_thanks, name="preview_thanks"),
]
