"""The authorization matrix: every URL pattern of the URLconf, the admin's included, requested
by every kind of visitor, with path parameters filled from the survey's own objects, from
another survey's, and from both at once. Only the visitors a route declares get in; everyone
else is sent to a sign-in or gets 403, 404 or 410, never a 500, never the page's data.

Every pattern must be declared below (or, for the admin's models, by their ModelAdmin's
permissions): a page added without saying who may see it fails
`test_authorization_matrix_declares_every_url_pattern`."""

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from responses.fieldwork.services.experts import experts_parse, invitation_create
from responses.fieldwork.services.lifecycle import invitation_regenerate_link, survey_create
from responses.fieldwork.services.staging import import_stage
from responses.links import link_secret
from responses.models import EmailDelivery, ScheduledSend, Section
from responses.results.services.export_jobs import export_job_create, export_job_run
from responses.results.services.snapshots import recompute_job_create, snapshot_refresh
from tests.factories import respond

pytestmark = pytest.mark.django_db

USERS = ("anonymous", "expert", "stale_expert", "other_researcher", "researcher", "superuser")
EVERYONE = frozenset(USERS)
NOBODY = frozenset()
OWN = frozenset({"researcher", "superuser"})  # the survey's own researcher; superusers see all
THEIRS = frozenset({"other_researcher", "superuser"})
STAFF = frozenset({"other_researcher", "researcher", "superuser"})
SUPERUSER = frozenset({"superuser"})
REFUSED = {403, 404, 410}


@dataclass(frozen=True)
class Fill:
    """One way to fill a route's parameters, and who gets in with it."""

    kwargs: dict
    allowed: frozenset
    data: dict = field(default_factory=dict)  # what a POST sends
    post_allowed: frozenset | None = None  # who may POST, when not the same


@dataclass(frozen=True)
class Route:
    methods: tuple[str, ...]
    fills: Callable  # cast -> [Fill]
    name: str | None = None  # reversed with the fill's kwargs; else `path` formats them
    path: str = ""


def get(fills, name=None, path=""):
    return Route(("GET",), fills, name, path)


def post(fills, name=None, path=""):
    return Route(("POST",), fills, name, path)


def both(fills, name=None, path=""):
    return Route(("GET", "POST"), fills, name, path)


def plain(allowed):
    return lambda cast: [Fill({}, allowed)]


def expert_only(cast):
    return [Fill({}, frozenset({"expert"}))]


def link_fills(cast):
    # The secret is the credential: anyone holding the live link gets in; the link as it
    # was before "Regenerate link" opens nothing for anyone.
    return [Fill({"secret": cast.live_secret}, EVERYONE), Fill({"secret": cast.old_secret}, NOBODY)]


def research(*params, import_job=False):
    """The survey's own objects (its researchers get in), another survey's (theirs do), and,
    for routes with objects, the survey's slug with another survey's objects (nobody does).
    A staged import is its uploader's alone, superusers' neither."""

    def fills(cast):
        own, other = cast.objects["agi"], cast.objects["theirs"]
        found = [
            Fill(_pick(own, params), frozenset({"researcher"}) if import_job else OWN),
            Fill(_pick(other, params), frozenset({"other_researcher"}) if import_job else THEIRS),
        ]
        if params:
            found.append(Fill({"slug": own["slug"]} | _pick(other, params, slug=False), NOBODY))
        return found

    return fills


def _pick(objects: dict, params, slug=True) -> dict:
    return {name: objects[name] for name in (("slug",) if slug else ()) + params}


ROUTES = {
    "": get(plain(EVERYONE), "home"),
    # Sign-in pages are for everyone; signing out is harmless for anyone.
    "research/login/": both(plain(EVERYONE), "research:login"),
    "research/logout/": post(plain(EVERYONE), "research:logout"),
    "research/password-reset/": both(plain(EVERYONE), "research:password_reset"),
    "research/password-reset/sent/": get(plain(EVERYONE), "research:password_reset_done"),
    "research/password-reset/<uidb64>/<token>/": both(
        lambda cast: [Fill({"uidb64": "MQ", "token": "set-password"}, EVERYONE)],
        "research:password_reset_confirm",
    ),
    "research/password-reset/done/": get(plain(EVERYONE), "research:password_reset_complete"),
    "admin/login/": both(plain(EVERYONE), "admin:login"),
    "research/": get(plain(STAFF), "research:surveys"),
    "research/<slug:slug>/": get(research(), "research:dashboard"),
    "research/<slug:slug>/figures/": get(research(), "research:dashboard_figures"),
    "research/<slug:slug>/invitations/": get(research(), "research:invitations"),
    "research/<slug:slug>/invitations/bulk/": post(research(), "research:invitations_bulk"),
    "research/<slug:slug>/invitations/scheduled/<int:scheduled_id>/cancel/": post(
        research("scheduled_id"), "research:scheduled_send_cancel"
    ),
    "research/<slug:slug>/invitations/export.csv": get(research(), "research:invitations_csv"),
    "research/<slug:slug>/invitations/export.xlsx": get(research(), "research:invitations_xlsx"),
    "research/<slug:slug>/invitations/<int:pk>/": get(research("pk"), "research:invitation"),
    "research/<slug:slug>/invitations/<int:pk>/<str:action>/": post(
        research("pk", "action"), "research:invitation_action"
    ),
    "research/<slug:slug>/invitations/<int:pk>/expert/": post(
        research("pk"), "research:expert_edit"
    ),
    "research/<slug:slug>/invitations/<int:pk>/deliveries/<int:delivery_id>/resend/": post(
        research("pk", "delivery_id"), "research:delivery_resend"
    ),
    "research/<slug:slug>/invitations/tests/": post(research(), "research:test_invitation_create"),
    "research/<slug:slug>/invitations/tests/delete/": post(
        research(), "research:test_responses_delete"
    ),
    "research/<slug:slug>/respondents/<int:pk>/": get(research("pk"), "research:respondent"),
    "research/<slug:slug>/respondents/<int:pk>/withdraw/": post(
        research("pk"), "research:respondent_withdraw"
    ),
    "research/<slug:slug>/respondents/<int:pk>/delete/": post(
        research("pk"), "research:respondent_delete"
    ),
    "research/<slug:slug>/preview/": get(research(), "research:preview"),
    "research/<slug:slug>/preview/<int:number>/": both(
        research(), path="/research/{slug}/preview/1/"
    ),
    "research/<slug:slug>/preview/welcome/": both(research(), "research:preview_welcome"),
    "research/<slug:slug>/preview/about-you/": both(research(), "research:preview_background"),
    "research/<slug:slug>/preview/review/": both(research(), "research:preview_review"),
    "research/<slug:slug>/preview/privacy/": get(research(), "research:preview_privacy"),
    "research/<slug:slug>/preview/thanks/": get(research(), "research:preview_thanks"),
    "research/<slug:slug>/comments/": get(research(), "research:comments"),
    "research/<slug:slug>/comments/export.csv": get(research(), "research:comments_csv"),
    "research/<slug:slug>/comments/export.xlsx": get(research(), "research:comments_xlsx"),
    "research/<slug:slug>/import/": both(research(), "research:import"),
    "research/<slug:slug>/import/<int:job_id>/": get(
        research("job_id", import_job=True), "research:import_preview"
    ),
    "research/<slug:slug>/import/<int:job_id>/confirm/": post(
        research("job_id", import_job=True), "research:import_confirm"
    ),
    "research/<slug:slug>/emails/": both(research(), "research:emails"),
    "research/<slug:slug>/emails/preview/": get(research(), "research:email_preview"),
    "research/<slug:slug>/translations/": get(research(), "research:translations"),
    "research/<slug:slug>/translations/<str:language>/": both(
        research(), path="/research/{slug}/translations/de/"
    ),
    "research/<slug:slug>/emails/preview/<slug:kind>.html": get(
        research(), path="/research/{slug}/emails/preview/invitation.html"
    ),
    "research/<slug:slug>/emails/test/": post(research(), "research:email_test"),
    "research/new/": both(plain(STAFF), "research:survey_new"),
    "research/<slug:slug>/open/": both(research(), "research:open"),
    "research/<slug:slug>/close/": both(research(), "research:close"),
    "research/<slug:slug>/reopen/": both(research(), "research:reopen"),
    "research/<slug:slug>/edit/": both(research(), "research:edit"),
    "research/<slug:slug>/edit/background/": both(research(), "research:edit_background"),
    "research/<slug:slug>/edit/reminders/": both(research(), "research:edit_reminders"),
    "research/<slug:slug>/edit/statements/": get(research(), "research:edit_statements"),
    "research/<slug:slug>/edit/statements/add/": post(research(), "research:statement_add"),
    "research/<slug:slug>/edit/statements/<int:item_id>/": post(
        research("item_id"), "research:item_action"
    ),
    "research/<slug:slug>/edit/statements/<int:item_id>/wording/": both(
        research("item_id"), "research:item_wording"
    ),
    "research/<slug:slug>/edit/sections/": post(research(), "research:section_add"),
    "research/<slug:slug>/edit/sections/<int:section_id>/": post(
        research("section_id"), "research:section_action"
    ),
    "research/<slug:slug>/round/next/": both(research(), "research:round_start"),
    "research/<slug:slug>/edit/feedback/": both(research(), "research:edit_feedback"),
    "research/<slug:slug>/edit/reasons/": both(research(), "research:reasons"),
    "research/<slug:slug>/anonymise/": both(research(), "research:anonymise"),
    "research/<slug:slug>/audit/": get(research(), "research:audit"),
    "research/<slug:slug>/results/": get(research(), "research:results"),
    "research/<slug:slug>/results/consensus/": both(research(), "research:results_consensus"),
    "research/<slug:slug>/results/recompute/": post(research(), "research:results_recompute"),
    "research/<slug:slug>/results/jobs/<int:job_id>/": get(
        research("recompute_job"), path="/research/{slug}/results/jobs/{recompute_job}/"
    ),
    "research/<slug:slug>/results/charts/<slug:name>.<str:fmt>": get(
        research(), path="/research/{slug}/results/charts/stacked.svg"
    ),
    "research/<slug:slug>/results/rounds/": get(research(), "research:results_rounds"),
    "research/<slug:slug>/results/rounds/<slug:name>.svg": get(
        research(), path="/research/{slug}/results/rounds/rounds-means.svg"
    ),
    "research/<slug:slug>/results/methods/": get(research(), "research:results_methods"),
    "research/<slug:slug>/results/methods.<str:fmt>": get(
        research(), path="/research/{slug}/results/methods.md"
    ),
    "research/<slug:slug>/results/bundle.zip": both(research(), "research:results_bundle"),
    "research/<slug:slug>/results/statements/<int:number>/": get(
        research(), path="/research/{slug}/results/statements/1/"
    ),
    "research/<slug:slug>/results/export/<slug:key>/": both(
        research(), path="/research/{slug}/results/export/statements-csv/"
    ),
    "research/<slug:slug>/results/exports/<int:job_id>/": get(
        research("export_job"), path="/research/{slug}/results/exports/{export_job}/"
    ),
    "research/<slug:slug>/results/exports/<int:job_id>/retry/": post(
        research("export_job"), path="/research/{slug}/results/exports/{export_job}/retry/"
    ),
    "research/<slug:slug>/results/exports/<int:job_id>/file": get(
        research("export_job"), path="/research/{slug}/results/exports/{export_job}/file"
    ),
    "s/<str:secret>/": both(link_fills, "respondent:link"),
    "s/<str:secret>/decline/": both(link_fills, "respondent:link_decline"),
    "survey/": get(expert_only, "respondent:landing"),
    "survey/consent/": post(expert_only, "respondent:consent"),
    "survey/privacy/": get(expert_only, "respondent:privacy"),
    "survey/page/<int:number>/": both(expert_only, path="/survey/page/1/"),
    "survey/answer/": post(
        lambda cast: [Fill({}, frozenset({"expert"}), cast.autosave)], "respondent:autosave"
    ),
    "survey/background/": both(expert_only, "respondent:background"),
    "survey/background/answer/": post(
        lambda cast: [Fill({}, frozenset({"expert"}), {"gender": "woman"})],
        "respondent:background_autosave",
    ),
    "survey/review/": get(expert_only, "respondent:review"),
    "survey/submit/": post(expert_only, "respondent:submit"),
    "survey/thanks/": get(expert_only, "respondent:thanks"),
    "survey/decline/": both(expert_only, "respondent:decline"),
    # The admin's own pages: superusers only.
    "admin/": get(plain(SUPERUSER), "admin:index"),
    "admin/logout/": post(plain(EVERYONE), "admin:logout"),  # harmless for anyone
    "admin/password_change/": both(plain(SUPERUSER), "admin:password_change"),
    "admin/password_change/done/": get(plain(SUPERUSER), "admin:password_change_done"),
    "admin/jsi18n/": get(plain(SUPERUSER), "admin:jsi18n"),
    # No admin widget autocompletes, no model has a page on the site, and the catch-all
    # finds nothing: nobody gets a page there.
    "admin/autocomplete/": get(plain(NOBODY), "admin:autocomplete"),
    "admin/r/<path:content_type_id>/<path:object_id>/": get(
        lambda cast: [Fill(cast.view_on_site, NOBODY)], "admin:view_on_site"
    ),
    "admin/(?P<url>.*)$": get(plain(NOBODY), path="/admin/no-such-page/"),
}


def fill(kwargs, allowed, post_allowed):
    return lambda cast: [Fill(kwargs, allowed, post_allowed=post_allowed)]


def admin_model_routes(cast) -> dict[str, Route]:
    """Each registered model's admin pages, for superusers as far as its ModelAdmin allows."""
    request = RequestFactory().get("/admin/")
    request.user = cast.users["superuser"]
    routes = {}
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        base = f"admin/{meta.app_label}/{meta.model_name}/"
        name = f"admin:{meta.app_label}_{meta.model_name}"
        obj = model._default_manager.order_by("pk").first()
        ids = {"object_id": obj.pk}
        can = {
            "view": model_admin.has_view_or_change_permission(request, obj),
            "add": model_admin.has_add_permission(request),
            "change": model_admin.has_change_permission(request, obj),
            "delete": model_admin.has_delete_permission(request, obj),
        }
        who = {key: SUPERUSER if allowed else NOBODY for key, allowed in can.items()}
        routes[base] = both(fill({}, who["view"], who["view"]), f"{name}_changelist")
        routes[base + "add/"] = both(fill({}, who["add"], who["add"]), f"{name}_add")
        routes[base + "<path:object_id>/history/"] = get(
            fill(ids, who["view"], None), f"{name}_history"
        )
        routes[base + "<path:object_id>/delete/"] = both(
            fill(ids, who["delete"], who["delete"]), f"{name}_delete"
        )
        routes[base + "<path:object_id>/change/"] = both(
            fill(ids, who["view"], who["change"]), f"{name}_change"
        )
        routes[base + "<path:object_id>/"] = get(
            fill({}, SUPERUSER, None), path=f"/{base}{obj.pk}/"
        )
    routes["admin/auth/user/<id>/password/"] = both(
        lambda cast: [Fill({"id": cast.users["researcher"].pk}, SUPERUSER)],
        "admin:auth_user_password_change",
    )
    labels = list(dict.fromkeys(model._meta.app_label for model in admin.site._registry))
    routes[f"admin/^(?P<app_label>{'|'.join(labels)})/$"] = get(
        lambda cast: [Fill({"app_label": label}, SUPERUSER) for label in labels], "admin:app_list"
    )
    return routes


def every_route(cast) -> dict[str, Route]:
    return ROUTES | admin_model_routes(cast)


def url_patterns(resolver=None, prefix=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from url_patterns(pattern, route)
        else:
            yield route


@dataclass
class Cast:
    users: dict
    clients: dict
    objects: dict
    live_secret: str
    old_secret: str
    autosave: dict
    view_on_site: dict
    markers: list


def _survey_objects(survey, invitation, owner, newcomer: str) -> dict:
    respond(survey, answers={1: 2, 2: 1}, sector="academia")
    snapshot_refresh(survey=survey)
    delivery = EmailDelivery.objects.create(
        invitation=invitation, kind="invitation", status=EmailDelivery.Status.UNKNOWN
    )
    upload = f"name,email,sector,affiliation\n{newcomer},{survey.slug}@example.org,academia,\n"
    parsed = experts_parse(survey=survey, data=upload.encode(), filename="list.csv")
    staged = import_stage(survey=survey, parsed=parsed, filename="list.csv", actor=owner)
    scheduled = ScheduledSend.objects.create(
        survey=survey, kind="invitation", send_at=timezone.now(), invitation_ids=[invitation.pk]
    )
    return {
        "slug": survey.slug,
        "pk": invitation.pk,
        "action": "revoke",
        "delivery_id": delivery.pk,
        "job_id": staged.pk,
        "scheduled_id": scheduled.pk,
        "recompute_job": recompute_job_create(survey=survey, actor=owner).pk,
        "export_job": _export_job(survey, owner),
        "item_id": survey.items.order_by("position").first().pk,
        "section_id": Section.objects.create(survey=survey, position=1, title="Part one").pk,
    }


def _export_job(survey, owner) -> int:
    job = export_job_create(survey=survey, key="xlsx", actor=owner)
    return export_job_run(job=job).pk


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _expert(secret, *, answer=None) -> Client:
    client = Client()
    client.get(reverse("respondent:link", args=[secret]))
    client.post(reverse("respondent:consent"), {"consent": "on"})
    if answer is not None:
        client.post(reverse("respondent:autosave"), {"statement": answer, "value": "1"})
    return client


@pytest.fixture
def cast(survey, invitation, other_invitation, researcher, other_researcher, superuser):
    from django.contrib.auth.models import Group

    Group.objects.create(name="Fieldwork team")
    theirs = survey_create(slug="theirs", title="Their survey", owner=other_researcher)
    carol, _ = invitation_create(survey=theirs, email="carol@example.org", name="Carol Expert")
    alice_secret = link_secret(invitation.link_nonce)
    alice = _expert(alice_secret, answer=1)
    invitation.refresh_from_db()
    old_secret = link_secret(other_invitation.link_nonce)
    bob = _expert(old_secret)
    invitation_regenerate_link(invitation=other_invitation)
    users = {"researcher": researcher, "other_researcher": other_researcher}
    users["superuser"] = superuser
    clients = {name: _signed_in(user) for name, user in users.items()}
    clients |= {"anonymous": Client(), "expert": alice, "stale_expert": bob}
    return Cast(
        users=users,
        clients=clients,
        objects={
            "agi": _survey_objects(survey, invitation, researcher, "Dan Newcomer"),
            "theirs": _survey_objects(theirs, carol, other_researcher, "Erin Newcomer"),
        },
        live_secret=alice_secret,
        old_secret=old_secret,
        autosave={"statement": invitation.response.statement_order[1], "value": "2"},
        view_on_site={
            "content_type_id": ContentType.objects.get_for_model(survey).pk,
            "object_id": survey.pk,
        },
        markers=[
            survey.title,
            theirs.title,
            *(f"{name} Expert" for name in ("Alice", "Bob", "Carol")),
            *(f"{name}@example.org" for name in ("alice", "bob", "carol")),
            "Dan Newcomer",
            "Erin Newcomer",
        ],
    )


def _url(route: Route, fill: Fill) -> str:
    if route.name:
        return reverse(route.name, kwargs=fill.kwargs)
    return route.path.format(**fill.kwargs)


def _to_sign_in(response) -> bool:
    location = response.get("Location", "")
    signs_in = location.startswith((reverse("research:login"), reverse("admin:login")))
    return response.status_code == 302 and signs_in and "next=" in location


def _problem(response, allowed: bool, markers) -> str | None:
    status, location = response.status_code, response.get("Location", "")
    if status >= 500:
        return f"server error {status}"
    if allowed:
        # A 400 is the page itself refusing bad input: the user got in.
        refused = status in REFUSED or _to_sign_in(response)
        return f"refused the right user ({status} {location})" if refused else None
    if status not in REFUSED and not _to_sign_in(response):
        return f"let in ({status} {location})"
    body = response.content.decode(errors="replace")
    leaked = [marker for marker in markers if marker in body]
    return f"showed {leaked}" if leaked else None


def _request(client, method: str, url: str, data: dict):
    """One request that leaves no trace: its writes rolled back, the client's cookies and the
    throttles' counts as they were."""
    from django.core.cache import cache

    cookies = copy.deepcopy(client.cookies)
    cache.clear()
    with transaction.atomic():
        response = client.post(url, data) if method == "POST" else client.get(url)
        transaction.set_rollback(True)
    client.cookies = cookies
    return response


def walk(cast, user: str) -> list:
    """The problems one user meets over every route, fill and method."""
    client, problems = cast.clients[user], []
    for key, route in every_route(cast).items():
        for fill in route.fills(cast):
            for method in route.methods:
                writes = method == "POST" and fill.post_allowed is not None
                who = fill.post_allowed if writes else fill.allowed
                url = _url(route, fill)
                response = _request(client, method, url, fill.data)
                problem = _problem(response, user in who, cast.markers)
                # A file download holds its file open: close the file itself, not the
                # response, whose close() ends the request and with it the test's
                # database connection (on PostgreSQL).
                for part in getattr(response, "_resource_closers", []):
                    part()
                if problem:
                    problems.append((key, method, url, problem))
    return problems


def test_authorization_matrix_declares_every_url_pattern(cast):
    routes = every_route(cast)
    found = set(url_patterns())
    assert sorted(found - set(routes)) == []
    assert sorted(set(routes) - found) == []
    assert [key for key, route in routes.items() if not route.fills(cast)] == []


@pytest.mark.parametrize("user", USERS)
def test_authorization_matrix_lets_in_only_the_right_users(cast, user):
    assert walk(cast, user) == []
