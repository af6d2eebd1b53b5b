"""Throttles count failures per client in the cache, and fail open when it is gone."""

from django.test import RequestFactory

from surveysite.throttle import Throttle, client_ip, failure_count, throttled, throttled_for

THREE = Throttle(group="tests.three", rate="3/10m")


def request_from(address="203.0.113.7", forwarded=None):
    extra = {"REMOTE_ADDR": address}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_client_ip_is_the_connecting_address_without_trusted_proxies():
    assert client_ip(request_from("203.0.113.7", forwarded="198.51.100.1")) == "203.0.113.7"


def test_client_ip_behind_a_trusted_proxy_is_the_address_it_saw(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    seen = request_from("10.0.0.2", forwarded="198.51.100.1, 10.0.0.9")
    assert client_ip(seen) == "198.51.100.1"


def test_client_ip_ignores_what_the_client_wrote_before_the_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    spoofed = request_from("10.0.0.2", forwarded="6.6.6.6, 198.51.100.1")
    assert client_ip(spoofed) == "198.51.100.1"


def test_client_ip_ignores_forwarded_headers_from_untrusted_addresses(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    assert client_ip(request_from("198.51.100.9", forwarded="6.6.6.6")) == "198.51.100.9"


def test_throttle_counts_failures_only_and_per_client():
    request = request_from()
    for _ in range(5):
        assert not throttled(request, THREE)
    assert not failure_count(request, THREE)
    assert not failure_count(request, THREE)
    assert not throttled(request, THREE)
    assert failure_count(request, THREE) is False
    assert failure_count(request, THREE) is True
    assert throttled(request, THREE)
    assert not throttled(request_from("198.51.100.20"), THREE)


def test_throttled_for_says_how_long_is_left_of_the_period():
    request = request_from()
    for _ in range(3):
        failure_count(request, THREE)
    assert throttled_for(request, THREE) == 0
    failure_count(request, THREE)
    assert 1 <= throttled_for(request, THREE) <= 600


def test_throttle_fails_open_when_the_cache_is_down(unreachable_redis_cache, caplog):
    request = request_from()
    for _ in range(5):
        assert not failure_count(request, THREE)
    assert not throttled(request, THREE)
    assert "the cache did not answer" in caplog.text
