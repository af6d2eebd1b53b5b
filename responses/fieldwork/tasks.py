"""Tasks of the fieldwork, thin: keyword-only *_id arguments, a stable name, one service call
each: invitation and reminder emails, sweeping the ones whose task or worker was lost,
scheduled reminders and sends, closing surveys on their date, deleting expired staged
expert lists."""

import contextlib
import smtplib

from celery import shared_task
from django.core.mail import get_connection

from ..broker import BrokerUnavailable, publish
from ..models import EmailDelivery
from .services import deliveries, lifecycle, mass, reminders, staging

MAX_RETRIES = deliveries.MAX_RETRIES
retry_countdown = deliveries.retry_countdown


@shared_task(bind=True, name="fieldwork.delivery_send", max_retries=MAX_RETRIES)
def delivery_send_task(self, *, delivery_id: int) -> str:
    if not EmailDelivery.objects.filter(pk=delivery_id).exists():
        return "gone"
    try:
        return deliveries.delivery_send(delivery_id=delivery_id)
    except deliveries.TransientEmailError as error:
        if self.request.retries >= self.max_retries:
            deliveries.delivery_fail(delivery_id=delivery_id, reason=f"Gave up retrying: {error}")
            return "failed"
        if self.request.is_eager:
            # Eager Celery (no broker) re-raises Retry instead of retrying: retry inline.
            retries = self.request.retries + 1
            return self.apply(kwargs={"delivery_id": delivery_id}, retries=retries).result
        raise self.retry(countdown=retry_countdown(self.request.retries), exc=error) from error


@shared_task(name="fieldwork.deliveries_send")
def deliveries_send_task(*, delivery_ids: list[int]) -> int:
    """A batch over one mail server connection: far less broker, SMTP and database overhead
    than a task per email. One that fails transiently is handed to `delivery_send_task`,
    which retries it with backoff."""
    connection = get_connection()
    # If the server is unreachable now, each send tries again and classifies the failure.
    with contextlib.suppress(OSError, smtplib.SMTPException):
        connection.open()
    try:
        outcome = deliveries.deliveries_send(delivery_ids=delivery_ids, connection=connection)
    finally:
        connection.close()
    retries = list(outcome.transient)

    def send_retries():
        for delivery_id in retries:
            countdown = retry_countdown(0)
            delivery_send_task.apply_async(kwargs={"delivery_id": delivery_id}, countdown=countdown)

    # With the broker gone now, these retries are lost: the sweep queues their rows later.
    with contextlib.suppress(BrokerUnavailable):
        publish(send_retries, ids=retries)
    return outcome.sent


@shared_task(name="fieldwork.deliveries_sweep")
def deliveries_sweep_task() -> dict:
    """Beat, every minute: mark the emails a dead worker left 'sending' unknown, then queue
    again the pending ones whose task was lost."""
    return {
        "unknown": deliveries.deliveries_sweep(),
        "requeued": deliveries.deliveries_requeue(),
    }


@shared_task(name="fieldwork.reminders_due")
def reminders_due_task() -> int:
    return reminders.reminders_due_send()


@shared_task(name="fieldwork.scheduled_sends_due")
def scheduled_sends_due_task() -> int:
    return mass.scheduled_sends_due_run()


@shared_task(name="fieldwork.surveys_close_due")
def surveys_close_due_task() -> int:
    return lifecycle.surveys_close_due()


@shared_task(name="fieldwork.staged_imports_expire")
def staged_imports_expire_task() -> int:
    return staging.staged_imports_delete_expired()
