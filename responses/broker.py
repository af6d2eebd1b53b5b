"""Publishing tasks once the rows they are for are committed, on a broker that may be down.

A request saves its rows (deliveries, a job) first; their tasks are published after commit,
with the short timeouts of the settings (BROKER_TIMEOUT). If the broker cannot take them,
nothing is lost: the rows stay 'pending', and the beat's sweeps queue them again a minute
later (fieldwork: `deliveries_requeue`; results: `recompute_jobs_requeue`). The caller
hears of it through BrokerUnavailable, raised after the commit, and tells the researcher so.
"""

import logging
from collections.abc import Callable

from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


class BrokerUnavailable(Exception):
    """The rows are saved, but their tasks could not all be queued; the sweep queues them."""

    def __init__(self, ids: list[int]):
        super().__init__(f"{len(ids)} row(s) saved, not all queued: the broker is unreachable")
        self.ids = ids


def publish(send: Callable[[], None], *, ids: list[int]) -> None:
    """Run `send` (its `.delay()` calls for the rows `ids`) now. The first publish that
    fails ends it: BrokerUnavailable then names the rows, which wait for the sweep."""
    try:
        send()
    except OperationalError as error:
        logger.warning("Broker unreachable; the sweep will queue them again: %s", error)
        raise BrokerUnavailable(ids) from error


def publish_after_commit(send: Callable[[], None], *, ids: list[int]) -> None:
    """`publish` once the current transaction commits (at once outside one); so a
    BrokerUnavailable comes out of the transaction's end, after the rows are saved."""
    transaction.on_commit(lambda: publish(send, ids=ids))
