"""The researcher's fieldwork pages under /research/. Every view goes through
`research_survey_view` (a researcher signed in, then membership of the survey) or, for the
survey list, `researcher_required` and `surveys_for_user` (in `selectors.surveys_listed`).
One module per page group; `urls.py` names them."""
