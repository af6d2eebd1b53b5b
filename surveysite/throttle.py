"""Throttles of failed attempts (sign-ins, personal-link lookups), counted in the cache by
django-ratelimit.

A throttle counts failures only: `throttled` asks without counting, `failure_count` adds one.
When the cache cannot be reached the throttle fails open, and says so in the log: an outage
of Redis must not lock every expert out of the survey.
"""

import ipaddress
import logging
from dataclasses import dataclass

from django.conf import settings
from django_ratelimit.core import is_ratelimited
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Throttle:
    group: str
    rate: str  # failures per period, e.g. "20/10m"
    key: str = "ip"  # django-ratelimit's key: "ip", "post:username", ...


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


def _ask(request, throttle: Throttle, increment: bool) -> bool:
    try:
        return is_ratelimited(
            request, group=throttle.group, key=throttle.key, rate=throttle.rate,
            increment=increment,
        )  # fmt: skip
    except (RedisError, OSError):
        logger.warning("throttle %s: the cache did not answer; not throttling", throttle.group)
        return False


def throttled(request, throttle: Throttle) -> bool:
    """Whether this client has used up its failures, without counting one."""
    return _ask(request, throttle, increment=False)


def failure_count(request, throttle: Throttle) -> bool:
    """Count one failure; True when that one reached the limit."""
    return _ask(request, throttle, increment=True)
