"""The researcher area, under /research/. Fieldwork and results add their patterns here."""

app_name = "research"

urlpatterns: list = []
