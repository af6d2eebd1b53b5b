from django.urls import path

from .views import finish, links, questionnaire, start

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
