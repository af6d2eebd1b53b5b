"""Writes, by sub-domain: links, surveys and invitations, the respondent's answers, audit."""
