"""Tasks for the fieldwork: invitation and reminder emails, scheduled reminders, closing."""
