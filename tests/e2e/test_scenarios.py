"""The scenario catalogue and a scenario brief, in a real Chromium against the running app."""

import pytest
import yaml
from playwright.sync_api import expect

from coach_app.personas.catalogue import load_catalogue
from coach_app.settings import REPO_ROOT
from tests.support.auth import login, make_user

pytestmark = pytest.mark.e2e

SHIPPED = load_catalogue(REPO_ROOT / "personas").personas


@pytest.fixture
def trainee_page(app_server, db_url, page):
    make_user(db_url, "scenario-trainee", "trainee", team="blue")
    login(page, app_server, "scenario-trainee")
    return page


def open_catalogue(page, base):
    page.goto(base + "/scenarios")
    cards = page.locator(".scenario-card")
    expect(cards).to_have_count(len(SHIPPED))
    return cards


def card_ids(page) -> list[str]:
    return sorted(
        el.get_attribute("id").removeprefix("scenario-card-") for el in page.locator("#scenario-grid > a").all()
    )


def expect_cards(page, ids: list[str]) -> None:
    """Wait until exactly these persona cards are shown (filters apply after a server round trip)."""
    for pid in ids:
        expect(page.locator(f"#scenario-card-{pid}")).to_be_visible()
    expect(page.locator(".scenario-card")).to_have_count(len(ids))
    assert card_ids(page) == sorted(ids)


def test_catalogue_needs_a_login(app_server, page):
    page.goto(app_server + "/scenarios")
    page.wait_for_url(lambda u: "/login?next=%2Fscenarios" in u)


def test_catalogue_shows_every_persona_as_a_card(app_server, trainee_page, tmp_path):
    page = trainee_page
    open_catalogue(page, app_server)
    assert card_ids(page) == sorted(SHIPPED)
    expect(page.locator("#result-count")).to_have_text(f"{len(SHIPPED)} scenarios")
    card = page.locator("#scenario-card-billing-dispute-gold")
    for text in (
        "Billing dispute",
        "Margaret Doyle",
        SHIPPED["billing-dispute-gold"].brief,
        "English · en-US",
        "8 min",
    ):
        expect(card).to_contain_text(text)
    expect(card.locator(".difficulty-badge")).to_have_text("hard")
    expect(page.locator("#scenario-card-billing-dispute-gold-th")).to_contain_text("Thai · th-TH")
    expect(page.locator("#unavailable-note")).to_have_count(0)
    page.screenshot(path=str(tmp_path / "catalogue.png"), full_page=True)  # kept by pytest for a look


def test_difficulty_language_and_search_filters(app_server, trainee_page):
    page = trainee_page
    open_catalogue(page, app_server)

    page.locator("#difficulty-filter").get_by_role("radio", name="Hard").click()
    hard = sorted(pid for pid, p in SHIPPED.items() if p.difficulty == "hard")
    expect_cards(page, hard)
    expect(page.locator("#result-count")).to_have_text(f"{len(hard)} of {len(SHIPPED)} scenarios")

    page.locator("#language-filter").click()
    page.get_by_role("option", name="Thai").click()
    expect_cards(page, ["billing-dispute-gold-th"])

    page.locator("#difficulty-filter").get_by_role("radio", name="Easy").click()
    expect(page.locator("#no-results")).to_contain_text("No scenario matches these filters.")
    page.locator("#clear-filters").click()
    expect(page.locator(".scenario-card")).to_have_count(len(SHIPPED))

    page.locator("#scenario-search").fill("gym")
    expect_cards(page, ["retention-gym-cancel"])
    page.locator("#scenario-search").fill("walter tablet")  # every word must match
    expect_cards(page, ["tech-support-senior"])


def test_scenario_page_shows_the_brief_and_objectives(app_server, trainee_page, tmp_path):
    page = trainee_page
    open_catalogue(page, app_server)
    page.locator("#scenario-card-billing-dispute-gold").click()
    page.wait_for_url("**/scenarios/billing-dispute-gold")
    persona = SHIPPED["billing-dispute-gold"]

    expect(page.locator("#persona-name")).to_have_text("Margaret Doyle")
    expect(page.locator("#situation")).to_contain_text(persona.scenario.description)
    expect(page.locator("#your-role")).to_contain_text(persona.scenario.trainee_role)
    for fact in persona.context.trainee_knows:
        expect(page.locator("#what-you-know")).to_contain_text(fact)
    rows = page.locator("#objectives .objective")
    expect(rows).to_have_count(len(persona.objectives))
    for i, obj in enumerate(persona.objectives):
        expect(rows.nth(i)).to_contain_text(f"{obj.weight}%")
        expect(rows.nth(i)).to_contain_text(obj.description)
    expect(page.locator("#pass-mark")).to_have_text("Pass mark: 70%")
    expect(page.locator("#recorded-notice")).to_contain_text("This call is recorded.")
    expect(page.locator("#start-call")).to_be_enabled()
    page.screenshot(path=str(tmp_path / "scenario.png"), full_page=True)  # kept by pytest for a look

    # What only the persona knows, and how answers are judged, stays off the page.
    body = page.locator("body").inner_text()
    for secret in persona.context.hidden_facts + [o.evidence for o in persona.objectives]:
        assert secret not in body

    page.locator("#back-to-scenarios").click()
    page.wait_for_url("**/scenarios")


def test_unknown_scenario_gets_a_friendly_not_found_page(app_server, trainee_page):
    page = trainee_page
    page.goto(app_server + "/scenarios/no-such-customer")
    box = page.locator("#scenario-not-found")
    expect(box).to_contain_text("Scenario not found")
    expect(box).to_contain_text("no-such-customer")
    box.get_by_role("link").click()
    page.wait_for_url("**/scenarios")
    expect(page.locator(".scenario-card")).to_have_count(len(SHIPPED))


def test_broken_file_makes_one_scenario_unavailable_and_new_files_appear(app_server, db_url, personas_dir, page):
    good = yaml.safe_load((personas_dir / "returns-damaged-mixer.yaml").read_text())
    broken = dict(good, id="returns-broken", difficulty="extreme")
    added = dict(good, id="returns-added", name="Added While Running")
    (personas_dir / "zz-broken.yaml").write_text(yaml.safe_dump(broken, allow_unicode=True))
    (personas_dir / "zz-added.yaml").write_text(yaml.safe_dump(added, allow_unicode=True))
    try:
        make_user(db_url, "scenario-trainee", "trainee", team="blue")
        login(page, app_server, "scenario-trainee")
        page.goto(app_server + "/scenarios")
        expect(page.locator("#unavailable-note")).to_have_text(
            "1 scenario is unavailable because of errors in the scenario files."
        )
        expect(page.locator(".scenario-card")).to_have_count(len(SHIPPED) + 1)
        expect(page.locator("#scenario-card-returns-added")).to_contain_text("Added While Running")
        expect(page.locator("#unavailable-details")).to_have_count(0)  # trainees see the count only

        make_user(db_url, "scenario-manager", "manager", team="blue")
        page.context.clear_cookies()
        login(page, app_server, "scenario-manager")
        page.goto(app_server + "/scenarios")
        expect(page.locator("#unavailable-details")).to_contain_text(
            "zz-broken.yaml: difficulty: Input should be 'easy', 'medium' or 'hard'"
        )
    finally:
        (personas_dir / "zz-broken.yaml").unlink()
        (personas_dir / "zz-added.yaml").unlink()
    page.goto(app_server + "/scenarios")
    expect(page.locator(".scenario-card")).to_have_count(len(SHIPPED))
    expect(page.locator("#unavailable-note")).to_have_count(0)
