"""The expert's pages, one module per page group: `links.py` (the personal link and the
generic 404), `start.py` (landing, consent, privacy notice), `questionnaire.py` (the pages of
statements and their autosave), `finish.py` (background, review, submission, thanks,
declining). Each view passes the gate in session.py (`respondent_view`), then makes one
service call at most; the link views put the invitation in the expert's session."""
