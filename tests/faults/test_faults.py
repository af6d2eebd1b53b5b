"""Faults on real servers of the tests' own (tests/faults/servers.py): Redis killed and
frozen while experts answer and a researcher sends; a Celery worker SIGKILLed mid-batch;
PostgreSQL restarted during autosaves. In each, once the service is back and the sweeps
and a worker have run: no answer lost, no email sent twice, every email sent or visibly
failed or of unknown outcome. Each test prints its figures (run with -s to see them)."""

import random
import re
import threading
import time
from collections import Counter

import pytest

from responses.fieldwork.views.common import MESSAGE_QUEUED_LATER
from responses.respondent.views.questionnaire import MESSAGE_UNAVAILABLE
from responses.results.views import MESSAGE_RECOMPUTE_LATER
from tests.faults.servers import (
    Client,
    act,
    answer_values,
    site_env,
    tally,
    wait_until,
)

pytestmark = [pytest.mark.fault, pytest.mark.xdist_group("faults")]

# gunicorn kills a request after 30 s: "quickly" is well within that.
QUICKLY = 10


class Expert:
    """An expert's browser: opens their link, then autosaves choices on page 1, retrying
    what the server could not save as questionnaire.js does. `chosen` is what they chose
    last per statement, what the database must end up holding."""

    def __init__(self, base: str, secret: str):
        self.client = Client(base)
        self.client.get(f"/s/{secret}/")
        status, page, _ = self.client.get("/survey/page/1/")
        assert status == 200, page[:500]
        self.statements = [int(pk) for pk in re.findall(r'data-statement="(\d+)"', page)]
        self.chosen, self.statuses, self.slowest = {}, Counter(), 0.0

    def answer(self, *, retry_for: float = 0) -> None:
        statement, value = random.choice(self.statements), random.choice([-2, -1, 0, 1, 2])
        self.chosen[statement] = value
        deadline, delay = time.monotonic() + retry_for, 0.1
        while True:
            status, body, seconds = self.client.post(
                "/survey/answer/", {"statement": statement, "value": value}
            )
            self.statuses[status] += 1
            self.slowest = max(self.slowest, seconds)
            if status == 200 or time.monotonic() > deadline:
                return
            assert status in (503, 0), body[:300]
            if status == 503:
                assert answer_values(body)["message"] == MESSAGE_UNAVAILABLE
            time.sleep(delay)
            delay = min(delay * 2, 2)


def researcher_for(base: str, seeded: dict) -> Client:
    client = Client(base)
    client.set_cookie("sessionid", seeded["session"])
    status, _, _ = client.get(f"/research/{seeded['survey']}/invitations/")
    assert status == 200
    return client


def stored(env) -> dict:
    return tally(env["DATABASE_URL"])


def answers_lost(experts, tally) -> int:
    lost = 0
    for number, expert in enumerate(experts):
        saved = tally["answers"].get(f"expert{number}@example.org", {})
        lost += sum(saved.get(pk) != value for pk, value in expert.chosen.items())
    return lost


def test_redis_killed_then_frozen_while_experts_answer_and_a_researcher_sends(
    broker_site, own_redis, mail_server, started
):
    env, smtp = broker_site, mail_server
    seeded = act(env, "seed", experts=12)
    site = started("gunicorn", env)
    experts = [Expert(site.url, secret) for secret in seeded["secrets"]]
    researcher = researcher_for(site.url, seeded)
    bulk = f"/research/{seeded['survey']}/invitations/bulk/"
    send = {"action": "send", "confirmed": "1"}  # past the confirmation step
    ids = seeded["invitations"]
    figures = {}  # name: (status, the page the button led to, seconds)

    for expert in experts:
        expert.answer()
    own_redis.kill()
    for expert in experts:
        expert.answer()
    figures["killed: send 6"] = researcher.post(bulk, send | {"ids": ids[:6]})
    own_redis.start()  # back empty, on the same port; the site's connections are stale
    own_redis.freeze()
    for expert in experts:
        expert.answer()
    figures["frozen: send 6 more"] = researcher.post(bulk, send | {"ids": ids[6:]})
    recompute = f"/research/{seeded['survey']}/results/recompute/"
    figures["frozen: recompute"] = researcher.post(recompute, {})
    own_redis.thaw()

    started("worker", env)
    swept = act(env, "sweep", minutes=2)
    wait_until(
        lambda: set(stored(env)["deliveries"].values()) == {"sent"},
        60,
        f"not all sent {stored(env)} {swept}",
    )
    wait_until(lambda: stored(env)["jobs"] == ["done"], 60, "the recompute did not run")
    tally = stored(env)
    sent = Counter(smtp.accepted)
    autosaves = sum((e.statuses for e in experts), Counter())
    print(
        f"\nRedis killed, then frozen: {sum(autosaves.values())} autosaves {dict(autosaves)}, "
        f"slowest {max(e.slowest for e in experts):.2f} s; "
        + "; ".join(f"{k}: {v[0]} in {v[2]:.2f} s" for k, v in figures.items())
        + f"; after the sweep {swept}: {len(sent)} emails, most to one expert "
        f"{max(sent.values())}, {answers_lost(experts, tally)} answers lost"
    )
    assert autosaves == Counter({200: 3 * len(experts)})
    for name, (status, _page, seconds) in figures.items():
        assert (name, status) == (name, 200)
        assert seconds < QUICKLY, name
    assert MESSAGE_QUEUED_LATER.format(count=6) in figures["killed: send 6"][1]
    assert MESSAGE_QUEUED_LATER.format(count=6) in figures["frozen: send 6 more"][1]
    assert MESSAGE_RECOMPUTE_LATER in figures["frozen: recompute"][1]
    assert swept == {"unknown": 0, "requeued": 12, "jobs_requeued": 1}
    assert sent == Counter({f"expert{n}@example.org": 1 for n in range(12)})
    assert tally["invited"] == 12
    assert answers_lost(experts, tally) == 0


def test_worker_killed_mid_batch_sends_each_email_once_or_marks_it_unknown(
    broker_site, mail_server, started
):
    env, smtp = broker_site, mail_server
    smtp.delay = 0.02  # 300 emails take seconds: the kill lands mid-batch
    experts = 300
    act(env, "seed", experts=experts, consented=False)
    worker = started("worker", env)
    assert act(env, "send") == {"queued": experts}
    # Not a multiple of the batch (50): the kill lands inside a batch, not between two.
    wait_until(lambda: len(smtp.accepted) >= 125, 90, "the worker sent too little")
    worker.kill()
    killed = stored(env)
    at_kill = Counter(killed["deliveries"].values())
    accepted_at_kill = Counter(smtp.accepted)
    swept = act(env, "sweep", minutes=16)  # past FIELDWORK_SENDING_TIMEOUT_MINUTES (15)
    started("worker", env)
    wait_until(
        lambda: "pending" not in stored(env)["deliveries"].values(), 90, "pending emails left"
    )
    time.sleep(1)  # a duplicate would arrive now
    final = stored(env)
    sent = Counter(smtp.accepted)
    outcome = Counter(final["deliveries"].values())
    unrecorded = [email for email in accepted_at_kill if killed["deliveries"][email] != "sent"]
    print(
        f"\nWorker SIGKILLed after {len(accepted_at_kill)} of {experts} emails: at the kill "
        f"{dict(at_kill)}, {len(unrecorded)} out but not recorded (all 'sending'); the sweep "
        f"{swept}; in the end {dict(outcome)}, {sum(sent.values())} emails to "
        f"{len(sent)} experts, most to one {max(sent.values())}"
    )
    assert max(sent.values()) == 1
    assert all(killed["deliveries"][email] == "sending" for email in unrecorded)
    assert at_kill["sending"] <= 2  # one per worker process at most
    assert swept["unknown"] == at_kill["sending"]
    assert swept["requeued"] == at_kill["pending"]
    assert set(outcome) <= {"sent", "unknown"}
    assert outcome["unknown"] == at_kill["sending"]
    assert {e for e, s in final["deliveries"].items() if s == "sent"} <= set(sent)
    assert final["invited"] == outcome["sent"]


def test_postgres_restarted_during_autosaves_loses_no_answer(
    fault_database, own_postgres, mail_dir, started
):
    env = site_env(database_url=fault_database, redis_url=None, mail_dir=mail_dir)
    seeded = act(env, "seed", experts=6)
    site = started("gunicorn", env)
    experts = [Expert(site.url, secret) for secret in seeded["secrets"]]
    stop = threading.Event()

    def answer(expert):
        while not stop.is_set():
            expert.answer(retry_for=60)
            time.sleep(0.05)

    threads = [threading.Thread(target=answer, args=(e,)) for e in experts]
    for thread in threads:
        thread.start()
    time.sleep(2)
    down = time.monotonic()
    own_postgres.stop("fast")
    time.sleep(3)
    own_postgres.start()
    back = time.monotonic() - down
    time.sleep(3)
    stop.set()
    for thread in threads:
        thread.join(timeout=90)
    tally = stored(env)
    statuses = sum((e.statuses for e in experts), Counter())
    print(
        f"\nPostgreSQL restarted (down {back:.1f} s) during {sum(statuses.values())} autosaves "
        f"{dict(statuses)}: slowest answer {max(e.slowest for e in experts):.2f} s, "
        f"{answers_lost(experts, tally)} answers lost"
    )
    assert statuses[503] > 0
    assert set(statuses) <= {200, 503, 0}
    assert max(e.slowest for e in experts) < QUICKLY
    assert answers_lost(experts, tally) == 0
