"""What the fieldwork pages share: the messages they show, the page size, rendering."""

from django.conf import settings
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

PAGE_SIZE = 50
FILTER_KEYS = ("state", "sector", "delivery", "q", "sort")
MESSAGE_IMPORTED = "Imported {count} experts. Their invitations are ready to send."
MESSAGE_QUEUED = "{count} email(s) queued. They go out in the background."
MESSAGE_NOTHING = "No email queued: none of the selected experts can be written to now."
MESSAGE_WAITING = (
    "No new email queued: {count} email(s) to the selected experts are queued already and go "
    "out when the worker takes them."
)
MESSAGE_QUIET = (
    "No reminder queued: {count} of the selected experts were emailed in the last {days} "
    "day(s), the survey's quiet days (set on the Emails and reminders page)."
)
MESSAGE_BAD_ACTION = "Choose an action."
MESSAGE_SCHEDULED = (
    "Scheduled for {when}. It goes then to those of the chosen experts who can still be "
    "written to; cancel it below until then."
)
MESSAGE_SCHEDULE_CANCELLED = "The scheduled send is cancelled: nothing goes out."
MESSAGE_RESENT = "The email is queued again. It goes out in the background."
MESSAGE_EXPERT_SAVED = "The expert's details are saved."
MESSAGE_UNCHANGED = "Nothing to save: the details were unchanged."
MESSAGE_QUEUED_LATER = (
    "{count} email(s) queued, but the task queue is unreachable just now: they will go out "
    "when the worker is back (it retries every minute). Nothing needs doing."
)


def render_page(request, template, survey=None, status=200, **context):
    context = context | {"survey": survey}
    return render(request, f"research/fieldwork/{template}", context, status=status)


def invitation_or_404(survey, pk):
    return get_object_or_404(survey.invitations.select_related("expert", "survey"), pk=pk)


def time_zone_label() -> str:
    """The zone the researchers' dates are read and shown in, e.g. "UTC (UTC+00:00)"."""
    offset = f"{timezone.localtime():%z}"
    return f"{settings.TIME_ZONE} (UTC{offset[:3]}:{offset[3:]})"
