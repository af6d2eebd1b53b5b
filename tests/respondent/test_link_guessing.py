"""Failed personal-link lookups are limited per client address: the 21st within 10 minutes
gets 429. Valid links keep working, from every address; without the cache nothing is limited."""

import pytest
from django.test import Client
from django.urls import reverse

from responses.fieldwork.services.lifecycle import invitation_revoke

pytestmark = pytest.mark.django_db

GUESSER = "203.0.113.9"
NEIGHBOUR = "198.51.100.44"
TOO_MANY = "<h1>Too many attempts</h1>"


def guess(client, number, address=GUESSER, decline=False):
    name = "respondent:link_decline" if decline else "respondent:link"
    return client.get(reverse(name, args=[f"{number:043d}"]), REMOTE_ADDR=address)


def twenty_failures(client, address=GUESSER):
    return [guess(client, n, address).status_code for n in range(20)]


def test_twenty_failed_lookups_get_404_and_the_21st_gets_429(client):
    assert twenty_failures(client) == [404] * 20
    response = guess(client, 20)
    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()
    assert 1 <= int(response["Retry-After"]) <= 600


def test_malformed_revoked_and_decline_lookups_count_as_failures(client, invitation, secret):
    invitation_revoke(invitation=invitation)
    for n in range(5):
        client.get(f"/s/not-a-secret-{n}/", REMOTE_ADDR=GUESSER)
        client.get(reverse("respondent:link", args=[secret]), REMOTE_ADDR=GUESSER)
        guess(client, n, decline=True)
        guess(client, n)
    assert guess(client, 99).status_code == 429


def test_the_limit_answers_the_same_page_to_every_kind_of_failure(client, invitation, secret):
    twenty_failures(client)
    unknown = guess(client, 20)
    malformed = client.get("/s/x/", REMOTE_ADDR=GUESSER)
    invitation_revoke(invitation=invitation)
    revoked = client.get(reverse("respondent:link", args=[secret]), REMOTE_ADDR=GUESSER)
    assert unknown.status_code == malformed.status_code == revoked.status_code == 429
    assert unknown.content == malformed.content == revoked.content
    assert secret not in revoked.content.decode()


def test_valid_links_keep_working_from_the_limited_address(client, secret):
    twenty_failures(client)
    guess(client, 20)
    response = Client().get(reverse("respondent:link", args=[secret]), REMOTE_ADDR=GUESSER)
    assert response.status_code == 302
    assert response["Location"] == reverse("respondent:landing")


def test_other_addresses_are_not_limited(client, secret):
    twenty_failures(client)
    assert guess(client, 20).status_code == 429
    assert guess(client, 21, NEIGHBOUR).status_code == 404
    other = Client().get(reverse("respondent:link", args=[secret]), REMOTE_ADDR=NEIGHBOUR)
    assert other.status_code == 302


def test_link_lookups_fail_open_when_the_cache_is_down(unreachable_redis_cache, client, secret):
    assert [guess(client, n).status_code for n in range(30)] == [404] * 30
    assert client.get(reverse("respondent:link", args=[secret])).status_code == 302
