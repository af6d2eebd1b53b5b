"""Helpers shared by the browser tests."""

import os
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "resultTypes": ["violations"],
}


def screenshot(page, name: str) -> None:
    """With SHOTS=<folder> set, save the page there (full page): for looking at new pages as
    their users will. Without it, nothing."""
    folder = os.environ.get("SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def axe_violations(page) -> list[str]:
    """What axe-core finds against WCAG 2.2 AA on the page, one line per rule."""
    results = Axe().run(page, options=AXE_OPTIONS)
    return [
        f"{found['id']}: {found['help']} at {[node['target'] for node in found['nodes']]}"
        for found in results.response["violations"]
    ]


def assert_no_axe_violations(page) -> None:
    found = axe_violations(page)
    assert found == [], found


class BrowserLog:
    """Console errors (CSP violations among them), page errors and static file responses."""

    def __init__(self, page):
        self.problems = []
        self.static = {}
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("response", self._response)

    def _console(self, message):
        if message.type == "error" or "Content Security Policy" in message.text:
            self.problems.append(f"console {message.type}: {message.text}")

    @property
    def csp_violations(self) -> list[str]:
        return [problem for problem in self.problems if "Content Security Policy" in problem]

    def _response(self, response):
        if "/static/" in response.url:
            self.static[response.url.split("/static/", 1)[1]] = response.status


def open_and_consent(page, link):
    page.goto(link)
    expect(page).to_have_url("/survey/")
    page.get_by_label("I have read the information above and agree to take part.").check()
    page.get_by_role("button", name="Start the survey").click()
    expect(page).to_have_url("/survey/page/1/")
