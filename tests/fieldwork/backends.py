"""Email backends that fail like real SMTP servers do, for the retry tests."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend

FAILURES = {"transient_left": 0}


class FlakyBackend(EmailBackend):
    """Refuses with a 451 (try later) while FAILURES['transient_left'] > 0."""

    def send_messages(self, messages):
        if FAILURES["transient_left"] > 0:
            FAILURES["transient_left"] -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


class RefusingBackend(EmailBackend):
    """Refuses every recipient permanently (550)."""

    def send_messages(self, messages):
        recipients = {address: (550, b"5.1.1 No such user") for m in messages for address in m.to}
        raise smtplib.SMTPRecipientsRefused(recipients)


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside the worker: nothing after this point runs (not
    an Exception, so no handler of ours catches it)."""


# How many messages DyingBackend hands over before the one after which its worker dies.
SURVIVES = {"messages_left": 0}


class DyingBackend(EmailBackend):
    """Hands messages to the server; after the first SURVIVES['messages_left'] of them, the
    worker dies right after handing one over, before it can write that down."""

    def send_messages(self, messages):
        sent = super().send_messages(messages)
        if SURVIVES["messages_left"] <= 0:
            raise WorkerKilled
        SURVIVES["messages_left"] -= len(messages)
        return sent
