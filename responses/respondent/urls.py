from django.urls import path

from . import views

app_name = "respondent"

urlpatterns = [
    path("s/<str:secret>/", views.link_open, name="link"),
    path("s/<str:secret>/decline/", views.link_decline, name="link_decline"),
    path("survey/", views.landing, name="landing"),
    path("survey/consent/", views.consent, name="consent"),
    path("survey/page/<int:number>/", views.page, name="page"),
    path("survey/answer/", views.answer_autosave, name="autosave"),
    path("survey/background/", views.background, name="background"),
    path("survey/review/", views.review, name="review"),
    path("survey/submit/", views.submit, name="submit"),
    path("survey/thanks/", views.thanks, name="thanks"),
    path("survey/decline/", views.decline, name="decline"),
]
