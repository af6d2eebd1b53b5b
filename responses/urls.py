from django.urls import path

from .views import respondent

app_name = "respondent"

urlpatterns = [
    path("s/<str:secret>/", respondent.link_open, name="link"),
    path("s/<str:secret>/decline/", respondent.link_decline, name="link_decline"),
    path("survey/", respondent.landing, name="landing"),
    path("survey/consent/", respondent.consent, name="consent"),
    path("survey/page/<int:number>/", respondent.page, name="page"),
    path("survey/answer/", respondent.answer_autosave, name="autosave"),
    path("survey/background/", respondent.background, name="background"),
    path("survey/review/", respondent.review, name="review"),
    path("survey/submit/", respondent.submit, name="submit"),
    path("survey/thanks/", respondent.thanks, name="thanks"),
    path("survey/decline/", respondent.decline, name="decline"),
]
