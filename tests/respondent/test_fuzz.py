"""Fuzzing every expert endpoint: FUZZ_EXAMPLES generated inputs to each of them
(tests/strategies.py), each in a state an expert's session can be in (whose session,
submitted, declined, revoked, the survey open, closed or a draft), on the database the suite
runs on.

No input may give a 500. A GET changes nothing, and neither does a refused input (a status
of 400 or more), which also says why: the rows an expert can touch are compared before and
after every request. Each example runs in a savepoint rolled back after it, so that every
one starts from the same data."""

import zlib
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from responses.choices import GENDERS, SCALE_VALUES, STATED_SECTORS
from responses.fieldwork.services.experts import invitation_create
from responses.fieldwork.services.lifecycle import invitation_regenerate_link, invitation_revoke
from responses.links import link_secret
from responses.models import Answer, AuditEvent, Invitation, Response, Survey
from responses.respondent import services
from responses.respondent.session import SESSION_COOKIE
from tests.factories import german_offered
from tests.strategies import (
    FUZZ,
    FUZZ_EXAMPLES,
    form_body,
    form_fields,
    huge_integers,
    nasty_text,
    path_segment,
    query_strings,
    quiet,
    rows_of,
    short_text,
    value_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]


@dataclass
class World:
    survey: Survey
    alice: int  # her invitation's id
    cookies: dict  # whose session → its cookie value
    secrets: list[str]  # live, revoked and replaced links
    order: list[str]  # statement ids, as posted
    client: Client


def _session_cookie(secret: str) -> str:
    client = Client()
    client.get(f"/s/{secret}/")
    return client.cookies[SESSION_COOKIE].value


@pytest.fixture
def world(survey) -> World:
    """Alice has answered three statements; Carol has only opened her link; Dave's link was
    revoked after he opened it; Erin's was replaced by a new one. The survey is offered in
    German too, so the expert's language is chosen on every request."""
    german_offered(survey)
    people = {
        name: invitation_create(survey=survey, email=f"{name}@example.org", name=name.title())[0]
        for name in ("alice", "carol", "dave", "erin")
    }
    secrets = {name: link_secret(invitation.link_nonce) for name, invitation in people.items()}
    cookies = {name: _session_cookie(secrets[name]) for name in ("alice", "carol", "dave")}
    response = services.response_start(invitation=people["alice"])
    order = response.statement_order
    answers = [services.AnswerInput(pk, 1, "Agreed.") for pk in order[:3]]
    services.answers_save(response=response, answers=answers, link_hash=people["alice"].link_hash)
    invitation_revoke(invitation=people["dave"])
    invitation_regenerate_link(invitation=people["erin"])
    secrets["erin new"] = link_secret(Invitation.objects.get(pk=people["erin"].pk).link_nonce)
    alice = people["alice"].pk
    order = [str(pk) for pk in order]
    return World(survey, alice, cookies, list(secrets.values()), order, Client())


STATES = st.fixed_dictionaries(
    {
        "session": st.sampled_from(["alice"] * 4 + ["carol", "dave", "none", "forged"]),
        "forged": short_text,
        "submitted": st.booleans(),
        "declined": st.booleans(),
        "revoked": st.sampled_from([False] * 5 + [True]),
        "survey": st.sampled_from([Survey.Status.OPEN] * 5 + ["closed", "draft", "past"]),
    }
)
# Raw SQL: these run around every request, where the ORM's own work would double the cost.
TABLES = {
    "answer": Answer._meta.db_table,
    "response": Response._meta.db_table,
    "invitation": Invitation._meta.db_table,
    "survey": Survey._meta.db_table,
    "audit": AuditEvent._meta.db_table,
}


def _update(cursor, table: str, pk_column: str, pk: int, **values) -> None:
    assignments = ", ".join(f"{column} = %s" for column in values)
    sql = f"UPDATE {TABLES[table]} SET {assignments} WHERE {pk_column} = %s"
    cursor.execute(sql, [*values.values(), pk])


def _apply(world: World, state: dict) -> None:
    now = timezone.now()
    alice = {
        "submitted_at": now if state["submitted"] else None,
        "declined_at": now if state["declined"] else None,
        "revoked_at": now if state["revoked"] else None,
    }
    status, closes = state["survey"], None
    if status == "past":
        status, closes = Survey.Status.OPEN, now - timedelta(days=1)
    with connection.cursor() as cursor:
        if any(alice.values()):
            _update(cursor, "invitation", "id", world.alice, **alice)
            _update(
                cursor, "response", "invitation_id", world.alice, submitted_at=alice["submitted_at"]
            )
        if state["survey"] != Survey.Status.OPEN:
            _update(cursor, "survey", "id", world.survey.pk, status=status, closes_at=closes)
    cookie = {"none": None, "forged": state["forged"]}.get(state["session"])
    if state["session"] not in ("none", "forged"):
        cookie = world.cookies[state["session"]]
    world.client.cookies.pop(SESSION_COOKIE, None)
    if cookie is not None:
        # As a server hands it to Django: the header's bytes, read as Latin-1.
        world.client.cookies[SESSION_COOKIE] = cookie.encode("utf-8", "surrogatepass").decode(
            "latin-1"
        )


SNAPSHOT = [
    "SELECT response_id, statement_id, value, comment, updated_at FROM {answer}"
    " WHERE survey_id = %s ORDER BY response_id, statement_id",
    "SELECT r.id, r.consented_at, r.submitted_at, r.sectors, r.gender, r.open_answer"
    " FROM {response} r JOIN {invitation} i ON i.id = r.invitation_id"
    " WHERE i.survey_id = %s ORDER BY r.id",
    "SELECT id, started_at, submitted_at, declined_at, decline_reason FROM {invitation}"
    " WHERE survey_id = %s ORDER BY id",
    "SELECT COUNT(*) FROM {audit} WHERE id > %s",
]


def snapshot(survey: Survey) -> list:
    """Every row an expert's request can write."""
    parameters = [[survey.pk], [survey.pk], [survey.pk], [0]]
    return rows_of([(sql.format(**TABLES), p) for sql, p in zip(SNAPSHOT, parameters, strict=True)])


# ---------------------------------------------------------------- the endpoints


def _codes():
    return value_of(*(str(value) for value in SCALE_VALUES), "")


def _languages():
    return value_of("de", "en", "fr", "DE", "")


def _background_fields():
    return form_fields(
        {
            "sectors": value_of(*(code for code, _ in STATED_SECTORS)),
            "gender": value_of(*(code for code, _ in GENDERS)),
            "open_answer": nasty_text,
            "goto": value_of("previous", "review"),
        }
    )


def _endpoints(world: World) -> dict:
    """Each endpoint: (method, a strategy of paths, a strategy of posted fields or None)."""
    secrets = st.one_of(
        st.sampled_from(world.secrets),
        st.from_regex(r"[A-Za-z0-9_-]{43}", fullmatch=True),
        nasty_text,
    )
    statement = value_of(*world.order[:12], "0", "-1")
    pages = st.one_of(st.integers(1, 6).map(str), st.integers(0, 10**6).map(str), huge_integers)
    page_fields = form_fields(
        {
            "goto": value_of("next", "previous", "background", "review", "1", "3", "5", "²"),
            "clear": statement,
        }
    ).flatmap(lambda extra: _page_answers(world).map(lambda answers: answers + extra))
    return {
        "link": ("GET", secrets.map(lambda s: f"/s/{path_segment(s)}/"), None),
        "link decline": ("GET", secrets.map(lambda s: f"/s/{path_segment(s)}/decline/"), None),
        "landing": ("GET", st.just("/survey/"), None),
        "landing language": (
            "GET",
            _languages().map(lambda code: "/survey/?" + form_body([("language", code)]).decode()),
            None,
        ),
        "consent": (
            "POST",
            st.just("/survey/consent/"),
            form_fields({"consent": value_of("on"), "language": _languages()}),
        ),
        "privacy": ("GET", st.just("/survey/privacy/"), None),
        "page GET": ("GET", pages.map(lambda n: f"/survey/page/{n}/"), None),
        "page POST": ("POST", pages.map(lambda n: f"/survey/page/{n}/"), page_fields),
        "autosave": (
            "POST",
            st.just("/survey/answer/"),
            form_fields({"statement": statement, "value": _codes(), "comment": nasty_text}),
        ),
        "background GET": ("GET", st.just("/survey/background/"), None),
        "background POST": ("POST", st.just("/survey/background/"), _background_fields()),
        "background autosave": (
            "POST",
            st.just("/survey/background/answer/"),
            _background_fields(),
        ),
        "review": ("GET", st.just("/survey/review/"), None),
        "submit": ("POST", st.just("/survey/submit/"), form_fields({})),
        "thanks": ("GET", st.just("/survey/thanks/"), None),
        "decline GET": ("GET", st.just("/survey/decline/"), None),
        "decline POST": ("POST", st.just("/survey/decline/"), form_fields({"reason": nasty_text})),
    }


def _page_answers(world: World):
    """Values and comments for statements of the first pages, as the page form posts them."""
    answer = st.tuples(
        st.sampled_from(world.order[:30]), st.sampled_from(["value", "comment"]), nasty_text
    )
    coded = st.tuples(st.sampled_from(world.order[:30]), st.just("value"), _codes())
    return st.lists(st.one_of(coded, answer), max_size=6).map(
        lambda items: [(f"{kind}_{pk}", value) for pk, kind, value in items]
    )


def _send(client: Client, method: str, path: str, fields, address: str):
    extra = {"REMOTE_ADDR": address}
    if method == "GET":
        return client.get(path, **extra)
    body = form_body(fields)
    return client.post(path, body, content_type="application/x-www-form-urlencoded", **extra)


def _says_why(response) -> bool:
    """A refusal's JSON carries its message; a refused form shows an alert or a field error."""
    if response.status_code < 400:
        return True
    if response["Content-Type"].startswith("application/json"):
        body = response.json()
        return body["saved"] is False and bool(body["message"])
    page = response.content
    return response.status_code != 400 or b'role="alert"' in page or b"invalid-feedback" in page


ADDRESSES = st.sampled_from(["127.0.0.1", "10.0.0.7", "::1", "203.0.113.9"])
ENDPOINT_NAMES = [
    "link", "link decline", "landing", "landing language", "consent", "privacy", "page GET",
    "page POST", "autosave", "background GET", "background POST", "background autosave",
    "review", "submit", "thanks", "decline GET", "decline POST",
]  # fmt: skip


EXAMPLES = FUZZ_EXAMPLES  # to each endpoint


def _with_query(parts: tuple[str, str]) -> str:
    """The path and a random query string, joined to a query the path already has."""
    path, query = parts
    return path + (query.replace("?", "&", 1) if "?" in path else query)


@pytest.mark.parametrize("name", ENDPOINT_NAMES)
def test_respondent_endpoint_fuzz_never_fails_and_refusals_change_nothing(
    world, name, record_property
):
    method, paths, bodies = _endpoints(world)[name]
    sent = 0

    @settings(FUZZ, max_examples=EXAMPLES)
    @seed(zlib.crc32(name.encode()))
    @given(
        state=STATES,
        path=st.tuples(paths, query_strings).map(_with_query),
        fields=bodies if bodies is not None else st.just([]),
        address=ADDRESSES,
    )
    def run(state, path, fields, address):
        nonlocal sent
        with transaction.atomic():
            cache.clear()  # throttles count per address: each example starts uncounted
            _apply(world, state)
            before = snapshot(world.survey)
            response = _send(world.client, method, path, fields, address)
            sent += 1
            assert response.status_code < 500
            if method == "GET" or response.status_code >= 400:
                assert snapshot(world.survey) == before
            assert _says_why(response)
            transaction.set_rollback(True)

    with quiet():
        run()
    record_property(f"fuzz {connection.vendor}", {name: sent})
    assert sent >= EXAMPLES
