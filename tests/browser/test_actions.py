"""After the meeting in Chromium: my actions, the team's tracker, the caseload view."""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import expect

from supervision.models import ActionStatus, LegalStatus, Role
from supervision.services import meetings as ops
from tests.browser.conftest import PHONE


def _actions(db, team_setup):
    meeting, worker, manager = team_setup["meeting"], team_setup["worker"], team_setup["manager"]
    today = date.today()
    made = {
        "overdue": ops.add_action(meeting, description="Ring the school about attendance", owner=worker,
                                  owner_name=None, due_on=today - timedelta(days=4), agreed_by=manager),
        "week": ops.add_action(meeting, description="Book the network meeting", owner=None,
                               owner_name="Grandma", due_on=today + timedelta(days=2), agreed_by=manager),
        "later": ops.add_action(meeting, description="Plan the review", owner=worker, owner_name=None,
                                due_on=today + timedelta(days=30), agreed_by=manager),
    }
    db.session.commit()
    return made


def test_my_actions_mark_done_and_drop(new_page, team_setup, db):
    made = _actions(db, team_setup)
    page = new_page(team_setup["worker"])
    page.get_by_role("link", name="My actions", exact=True).click()
    headings = page.locator("main h2")
    expect(headings.nth(0)).to_have_text("Overdue (1)")
    expect(headings.nth(1)).to_have_text("Due this week (1)")
    overdue = page.locator(f"#action-{made['overdue'].id}")
    expect(overdue).to_contain_text("Overdue 4 days")
    expect(page.locator(f"#action-{made['week'].id}")).to_contain_text("On behalf of Grandma")

    overdue.get_by_role("link", name="Mark done or drop").click()
    expect(overdue.get_by_label("What was done (optional)")).to_be_focused()
    overdue.get_by_label("What was done (optional)").fill("School says attendance is 97%")
    overdue.get_by_role("button", name="Mark done").click()
    expect(page.get_by_role("status").filter(has_text="Action marked done")).to_be_visible()
    expect(page.locator(f"#action-{made['overdue'].id}")).to_have_count(0)

    later = page.locator(f"#action-{made['later'].id}")
    later.get_by_role("link", name="Mark done or drop").click()
    later.get_by_role("button", name="Drop action").click()
    later = page.locator(f"#action-{made['later'].id}")
    expect(later.get_by_text("Say why the action is being dropped.")).to_be_visible()
    expect(page.get_by_role("alert")).to_be_focused()  # the summary, with a link to the field
    later.get_by_label("Why it is being dropped").fill("The review date moved; a new action was agreed")
    later.get_by_role("button", name="Drop action").click()
    expect(page.locator(f"#action-{made['later'].id}")).to_have_count(0)

    for action in made.values():
        db.session.refresh(action)
    assert made["overdue"].status is ActionStatus.DONE
    assert made["later"].closing_note == "The review date moved; a new action was agreed"
    page.goto(f"/sessions/{team_setup['meeting'].id}/record")
    expect(page.locator("article.record")).to_contain_text("Done: School says attendance is 97%")


def test_my_actions_on_a_phone_by_keyboard(new_page, team_setup, db):
    made = _actions(db, team_setup)
    page = new_page(team_setup["worker"], viewport=PHONE)
    page.goto("/actions")
    card = page.locator(f"#action-{made['week'].id}")
    card.get_by_role("link", name="Mark done or drop").focus()
    page.keyboard.press("Enter")
    expect(card.get_by_label("What was done (optional)")).to_be_focused()  # opened, ready to type
    page.keyboard.type("Grandma came")
    page.keyboard.press("Enter")  # submits the form it is in
    expect(page.get_by_role("status").filter(has_text="Action marked done")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_tracker_from_the_home_page(new_page, team_setup, make_user, db):
    _actions(db, team_setup)
    colleague = make_user(Role.PRACTITIONER, team_setup["team"], name="Aisha Colleague")
    ops.add_action(team_setup["meeting"], description="Colleague's overdue visit", owner=colleague,
                   owner_name=None, due_on=date.today() - timedelta(days=9), agreed_by=team_setup["manager"])
    db.session.commit()
    page = new_page(team_setup["manager"])
    page.get_by_role("link", name="Open the team's action tracker").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Action tracker")
    expect(page.get_by_role("list", name="The team's open actions")).to_contain_text("2 overdue")
    by_person = page.get_by_role("table", name="Open actions by practitioner")
    expect(by_person.get_by_role("row").nth(1)).to_contain_text("Aisha Colleague")  # longest overdue first

    page.get_by_label("Practitioner", exact=True).select_option(label="Grace Worker")
    page.get_by_label("Show").select_option(label="Overdue only")
    page.get_by_role("button", name="Show actions").click()
    listing = page.get_by_role("table", name="Actions matching the filters")
    expect(listing.get_by_role("row")).to_have_count(2)  # the header and one action
    expect(listing).to_contain_text("Ring the school about attendance")
    expect(page.get_by_label("Practitioner", exact=True)).to_have_value(str(team_setup["worker"].id))

    page.get_by_role("link", name="Clear filters").click()
    page.get_by_label("Sort by").select_option(label="Longest overdue first")
    page.get_by_role("button", name="Show actions").click()
    expect(listing.get_by_role("row").nth(1)).to_contain_text("Colleague's overdue visit")
    expect(listing.get_by_role("row").nth(1)).to_contain_text("Overdue 9 days")


def test_the_caseload_view_and_sharing_cases_out(new_page, team_setup, make_user, make_case, db):
    team, worker = team_setup["team"], team_setup["worker"]
    colleague = make_user(Role.PRACTITIONER, team, name="Aisha Colleague")
    heavy = make_case(team, worker, children=9, legal_status=LegalStatus.CARE_PROCEEDINGS)
    make_case(team, colleague, children=4, legal_status=LegalStatus.CHILD_IN_NEED)
    page = new_page(team_setup["manager"])
    page.get_by_role("link", name="Caseloads").click()
    table = page.get_by_role("table", name="Each practitioner's caseload now against the limit of 17")
    grace = table.get_by_role("row").filter(has_text="Grace Worker")
    expect(grace).to_contain_text("Above the limit")
    expect(grace.get_by_role("img")).to_have_attribute("aria-label", "Grace Worker: 20 against a limit of 17")
    expect(page.get_by_role("heading", name="Who needs attention now")).to_be_visible()

    page.get_by_role("link", name="Share out a practitioner's cases").click()
    page.get_by_label("Whose cases are being shared out").select_option(value=str(worker.id))
    page.get_by_role("button", name="Show their cases").click()
    choice = page.get_by_label(f"{heavy.family_label} ({heavy.reference})")
    expect(choice.locator(f"option[value='{colleague.id}']")).to_have_text("Aisha Colleague (4 children, weighted 4)")
    choice.select_option(value=str(colleague.id))
    page.get_by_role("button", name="Preview the new caseloads").click()
    preview = page.get_by_role("table", name="Each affected caseload now and after the moves")
    expect(preview.get_by_role("row").filter(has_text="Aisha Colleague")).to_contain_text("Above the limit")
    expect(page.get_by_role("heading", name="What the caseloads would become")).to_be_focused()
    expect(page.get_by_text("Nothing has changed yet.")).to_be_visible()
    db.session.refresh(heavy)
    assert heavy.practitioner_id == worker.id
    page.get_by_role("button", name="Confirm and move 1 case").click()
    expect(page.get_by_text("1 case moved.")).to_be_visible()
    db.session.refresh(heavy)
    assert heavy.practitioner_id == colleague.id


def test_a_practitioner_sees_their_own_caseload_on_a_phone(new_page, team_setup, make_case):
    make_case(team_setup["team"], team_setup["worker"], children=3, legal_status=LegalStatus.PRE_PROCEEDINGS)
    page = new_page(team_setup["worker"], viewport=PHONE)
    page.get_by_role("link", name="My caseload").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My caseload")
    expect(page.get_by_role("list", name="The caseload at a glance")).to_contain_text("against a limit of 17")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
