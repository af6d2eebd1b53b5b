"""The simulated experts of bench/load.py, driven by locust as a library, headless.

bench/load.py runs this file in a process of its own for each phase (importing locust
patches the standard library for gevent, which the seeding process must not have):

    python bench/_locustfile.py PLAN.json RESULT.json

PLAN holds the host, the user classes ("AppExpert", "BareExpert"), the number of users, the
spawn rate, the seconds to run, and the personal links (or the bare baseline's response and
survey ids), one per user. RESULT gets every request's latency in ms by name, the failures
by name and reason with the seconds into the phase at which they happened, and whether
locust warned that its own CPU was saturated.

An expert opens their personal link (302 to the landing page), loads the landing page and,
once, its CSS and JS (a first visit), consents, and lands on page 1: that sequence, without
pauses, is also recorded as "open → first page". Then they answer the page's statements one
autosave at a time and load the next page after every tenth, with 1–3 s of thought before
each action. The baseline expert does the same on the bare views (bench/_bareapp.py).
"""

import json
import random
import re
import sys
import time
from collections import defaultdict

import gevent
from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.env import Environment
from locust.exception import StopUser

AUTOSAVES_PER_PAGE = 10
FLOW = "open → first page"
TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STATEMENT_RE = re.compile(r'data-statement="(\d+)"')
PAGE_TOTAL_RE = re.compile(r"page \d+ of (\d+)")
ASSET_RE = re.compile(r'<(?:link rel="stylesheet" href|script src)="([^"]+)"')
VALUES = [2, 1, 0, -1, -2, -88]  # the scale and "I don't know"
JSON_HEADERS = {"Accept": "application/json"}
PLAN: dict = {"links": [], "bare": []}
SEATS: dict = {}


def _seat(kind: str):
    """The next personal link (or bare response) not yet taken by a user."""
    if kind not in SEATS:
        SEATS[kind] = iter(PLAN[kind])
    seat = next(SEATS[kind], None)
    if seat is None:
        raise StopUser()
    return seat


def _failure(name: str, response, detail: str = "") -> str:
    error = getattr(response, "error", None)
    cause = f" ({type(error).__name__}: {error})" if error else ""
    return f"{name} answered {response.status_code}{detail}{cause}"


class Expert(FastHttpUser):
    abstract = True
    wait_time = between(1, 3)
    network_timeout = 30.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        self.token, self.statements, self.page_total, self.number = "", [], 1, 1
        self.saves = 0
        self.open()

    @task
    def act(self) -> None:
        if self.saves == AUTOSAVES_PER_PAGE:
            self.saves, self.number = 0, self.number % self.page_total + 1
            self.page_view()
        else:
            self.autosave(self.statements[self.saves % len(self.statements)])
            self.saves += 1

    def _get_page(self, path: str) -> bool:
        with self.client.get(path, name="page", catch_response=True) as response:
            text = response.text or ""
            token, total = TOKEN_RE.search(text), PAGE_TOTAL_RE.search(text)
            if response.status_code != 200 or token is None or total is None:
                response.failure(_failure("page", response))
                return False
            self.token, self.page_total = token.group(1), int(total.group(1))
            self.statements = [int(pk) for pk in STATEMENT_RE.findall(text)]
            return True

    def _post_answer(self, path: str, form: dict) -> None:
        form = {"csrfmiddlewaretoken": self.token, "value": self._value(), **form}
        headers = {**JSON_HEADERS, "X-CSRFToken": self.token}
        with self.client.post(
            path, data=form, headers=headers, name="autosave", catch_response=True
        ) as response:
            if response.status_code != 200 or b'"saved": true' not in (response.content or b""):
                response.failure(_failure("autosave", response))

    def _value(self) -> int:
        return random.choice(VALUES)


class AppExpert(Expert):
    def open(self) -> None:
        started = time.perf_counter()
        ok = self._open_steps(_seat("links"))
        elapsed = (time.perf_counter() - started) * 1000
        events.request.fire(
            request_type="FLOW",
            name=FLOW,
            response_time=elapsed,
            response_length=0,
            exception=None if ok else RuntimeError("the opening did not reach page 1"),
        )
        if not ok:
            raise StopUser()

    def _open_steps(self, link: str) -> bool:
        landing = self._redirect(link, "link", "/survey/")
        if not landing:
            return False
        with self.client.get(landing, name="landing", catch_response=True) as response:
            token = TOKEN_RE.search(response.text or "")
            if response.status_code != 200 or token is None:
                response.failure(_failure("landing", response))
                return False
            assets = ASSET_RE.findall(response.text)
        for asset in assets:
            if self.client.get(asset, name="static").status_code != 200:
                return False
        form = {"csrfmiddlewaretoken": token.group(1), "consent": "on"}
        page = self._redirect("/survey/consent/", "consent", "/survey/page/1/", form)
        return bool(page) and self._get_page(page)

    def _redirect(self, path: str, name: str, expected: str, form=None) -> str:
        method = self.client.post if form is not None else self.client.get
        with method(
            path, data=form, name=name, allow_redirects=False, catch_response=True
        ) as response:
            location = response.headers.get("Location", "") if response.headers else ""
            if response.status_code != 302 or not location.endswith(expected):
                response.failure(_failure(name, response, f" to {location!r}"))
                return ""
            response.success()
            return location

    def page_view(self) -> None:
        self._get_page(f"/survey/page/{self.number}/")

    def autosave(self, statement: int) -> None:
        self._post_answer("/survey/answer/", {"statement": statement, "comment": ""})


class BareExpert(Expert):
    def open(self) -> None:
        self.response_id, self.survey_id = _seat("bare")
        if not self._get_page("/bench/bare/page/"):
            raise StopUser()

    def page_view(self) -> None:
        self._get_page("/bench/bare/page/")

    def autosave(self, statement: int) -> None:
        form = {"statement": statement, "comment": ""}
        form |= {"response": self.response_id, "survey": self.survey_id}
        self._post_answer("/bench/bare/answer/", form)


def run(plan: dict) -> dict:
    PLAN.update(plan)
    classes = {"AppExpert": AppExpert, "BareExpert": BareExpert}
    user_classes = [classes[name] for name in plan["user_classes"]]
    latencies, failures = defaultdict(list), defaultdict(list)

    def record(name, response_time, exception=None, **_):
        if exception is None:
            latencies[name].append(response_time)
        else:  # when, to tell a stall of the machine from a steady fault
            failures[f"{name}: {exception}"[:200]].append(round(time.monotonic() - started, 1))

    environment = Environment(user_classes=user_classes, events=events, host=plan["host"])
    events.request.add_listener(record)
    runner = environment.create_local_runner()
    started = time.monotonic()
    runner.start(plan["users"], spawn_rate=plan["spawn_rate"])
    gevent.spawn_later(plan["seconds"], runner.quit)
    runner.greenlet.join()
    return {
        "seconds": time.monotonic() - started,
        "latencies": latencies,
        "failures": failures,
        "cpu_warning": bool(runner.cpu_warning_emitted),
    }


if __name__ == "__main__":
    plan_path, result_path = sys.argv[1:3]
    with open(plan_path) as plan_file:
        outcome = run(json.load(plan_file))
    with open(result_path, "w") as result_file:
        json.dump(outcome, result_file)
