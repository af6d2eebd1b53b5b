"""Personal links.

The link secret is HMAC-SHA256(SECRET_KEY, nonce), where the nonce is 256 random bits from
`secrets`. The database stores the nonce and SHA-256(secret): a copy of the database alone
yields no working link (that needs SECRET_KEY), yet the server can rebuild a link for
reminders and "copy link". Rotating SECRET_KEY therefore invalidates every link.
"""

import hashlib
import hmac
import re
import secrets
from base64 import urlsafe_b64encode

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import salted_hmac

SECRET_FORMAT = re.compile(r"[A-Za-z0-9_-]{43}")
_SALT = "surveysite.invitation-link"


def link_nonce_new() -> str:
    return secrets.token_hex(32)


def link_secret(nonce: str) -> str:
    digest = salted_hmac(_SALT, nonce, algorithm="sha256").digest()
    return urlsafe_b64encode(digest).rstrip(b"=").decode()


def link_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def link_fields_new() -> dict:
    nonce = link_nonce_new()
    return {"link_nonce": nonce, "link_hash": link_hash(link_secret(nonce))}


def link_fields_round(nonce: str, round_number: int) -> dict:
    """The link fields of a later Delphi round's invitation: the first round's nonce, so the
    expert's personal link stays the same, and a hash of its own for the round, which no link
    looks up (links open the first round's invitation and go on to the latest round)."""
    if round_number <= 1:
        return {"link_nonce": nonce, "link_hash": link_hash(link_secret(nonce))}
    return {
        "link_nonce": nonce,
        "link_hash": link_hash(f"{link_secret(nonce)}#round{round_number}"),
    }


def link_fields_dead() -> dict:
    """Link fields no secret opens: the stored hash is random, not the hash of the nonce's
    secret, so neither the old link nor one rebuilt from the new nonce matches it. For
    anonymised surveys, whose invitations keep their states."""
    return {"link_nonce": link_nonce_new(), "link_hash": secrets.token_hex(32)}


def link_matches(*, nonce: str, secret: str) -> bool:
    return hmac.compare_digest(link_secret(nonce), secret)


def is_well_formed(secret: str) -> bool:
    return bool(SECRET_FORMAT.fullmatch(secret))


def invitation_url(invitation) -> str:
    return settings.SITE_URL + reverse("respondent:link", args=[link_secret(invitation.link_nonce)])


def invitation_decline_url(invitation) -> str:
    secret = link_secret(invitation.link_nonce)
    return settings.SITE_URL + reverse("respondent:link_decline", args=[secret])


def invitation_chain(invitation) -> list:
    """The expert's invitations to every round of a Delphi study, first round first (just
    `invitation` outside one); they share one personal link."""
    first = invitation
    while first.previous_id is not None:
        first = first.previous
    chain = [first]
    while True:
        following = type(first).objects.select_related("survey").filter(previous=chain[-1])
        following = following.first()
        if following is None:
            return chain
        chain.append(following)
