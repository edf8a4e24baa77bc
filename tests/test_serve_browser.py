"""A person's path through `esskg serve` in headless Chromium (Debian's, driven by Playwright):
home -> a region -> a partnership -> 1pacte, then the canned query food-self-sufficiency run from
its form. Every request to anything but 127.0.0.1 is blocked and fails the test. The screenshots
are kept in tests/artifacts/ (and the home page one is the README's, docs/serve.png)."""

from __future__ import annotations

import shutil
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from esskg.resources import packaged_root
from servers import esskg_serve

CHROMIUM = shutil.which("chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (tests/setup.sh installs it)"
)


@pytest.fixture
def base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    # The real packaged graph: the path goes through the source document's cases.
    monkeypatch.setenv("ESSKG_ROOT", str(packaged_root()))
    with esskg_serve(tmp_path) as (url, _process):
        yield url


def test_region_to_partnership_to_1pacte_and_the_canned_query(base: str) -> None:
    from playwright.sync_api import Route, sync_playwright

    outside: list[str] = []

    def only_loopback(route: Route) -> None:
        host = urllib.parse.urlsplit(route.request.url).hostname
        if host == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--disable-sync"])
        try:
            context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="fr-FR")
            context.route("**/*", only_loopback)
            page = context.new_page()
            page.goto(base + "/")
            page.screenshot(path=str(ARTIFACTS / "serve-home.png"))
            page.get_by_role("link", name="Normandie", exact=True).first.click()
            page.wait_for_url("**/id/normandie")
            page.get_by_role("link", name="Coopération Normandie \u2013 Médenine").first.click()
            page.wait_for_url("**/id/cooperation-normandie-medenine")
            assert page.locator("h1").inner_text() == "Coopération Normandie \u2013 Médenine"
            page.screenshot(path=str(ARTIFACTS / "serve-partnership.png"), full_page=True)
            page.locator(".participants").get_by_role("link", name="1pacte").first.click()
            page.wait_for_url("**/id/1pacte")
            assert page.locator("h1").inner_text() == "1pacte"

            page.goto(base + "/queries")
            page.get_by_role("link", name="autosuffisance alimentaire").first.click()
            page.wait_for_url("**/queries/food-self-sufficiency")
            page.locator("#run").click()
            page.wait_for_selector("#results")
            cells = page.locator("#results td").all_inner_texts()
            assert any(cell.startswith("1pacte") for cell in cells)
            page.screenshot(path=str(ARTIFACTS / "serve-query.png"), full_page=True)
        finally:
            browser.close()
    assert outside == [], f"requests left 127.0.0.1: {outside}"
