"""Throttles of failed attempts (sign-ins, personal-link lookups), counted in the cache by
django-ratelimit.

A throttle counts failures only: `throttled` asks without counting (`throttled_for` also says
for how long), `failure_count` adds one. A rate "N/period" lets N failures through in a period;
the next one is refused, and so is everything after it until the period ends.
When the cache cannot be reached the throttle fails open, and says so in the log: an outage
of Redis must not lock every expert out of the survey.
"""

import ipaddress
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django_ratelimit.core import get_usage
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Throttle:
    group: str
    rate: str  # failures per period, e.g. "20/10m"
    # django-ratelimit's key: "ip", "post:username"..., or a function (group, request) -> str
    key: str | Callable = "ip"


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in settings.TRUSTED_PROXIES)


def client_ip(request) -> str:
    """The client's address. Behind reverse proxies listed in TRUSTED_PROXIES, the address the
    nearest trusted proxy saw: the last X-Forwarded-For entry that is not itself a trusted
    proxy. A header from anyone else is ignored, so a client cannot pick its own address."""
    address = request.META.get("REMOTE_ADDR", "")
    if not _trusted(address):
        return address
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        if not _trusted(hop):
            return hop
        address = hop
    return address


def _usage(request, throttle: Throttle, increment: bool) -> dict | None:
    """django-ratelimit's count, limit and time left; None when the cache did not answer."""
    try:
        return get_usage(
            request, group=throttle.group, key=throttle.key, rate=throttle.rate,
            increment=increment,
        )  # fmt: skip
    except (RedisError, OSError):
        logger.warning("throttle %s: the cache did not answer; not throttling", throttle.group)
        return None


def throttled_for(request, throttle: Throttle) -> int:
    """For how many more seconds this client is refused: 0 while it has failures left. Asks
    without counting one."""
    usage = _usage(request, throttle, increment=False)
    if usage is None or not usage["should_limit"]:
        return 0
    return max(usage["time_left"], 1)


def throttled(request, throttle: Throttle) -> bool:
    """Whether this client has used up its failures, without counting one."""
    return throttled_for(request, throttle) > 0


def failure_count(request, throttle: Throttle) -> bool:
    """Count one failure; True when that one went over the limit."""
    usage = _usage(request, throttle, increment=True)
    return usage is not None and usage["should_limit"]
