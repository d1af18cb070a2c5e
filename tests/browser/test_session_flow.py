"""A team manager runs a short session through every section in Chromium."""

from playwright.sync_api import expect

from supervision.models import MeetingStatus, Section
from tests.browser.conftest import PHONE


def test_a_manager_runs_a_session_through_every_section(new_page, team_setup, db):
    meeting, worker = team_setup["meeting"], team_setup["worker"]
    page = new_page(team_setup["manager"])
    page.get_by_role("link", name="Cases").click()
    page.get_by_role("link", name=meeting.case.family_label).click()
    page.get_by_role("link", name="Group supervision").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(meeting.case.family_label)
    page.get_by_role("button", name="Start the session").click()

    for section in Section:
        box = page.get_by_label(f"Add to {section.label.lower()}")
        box.fill(f"{section.label}: first point")
        box.press("Enter")  # type, Enter, next item
        expect(page.locator(f"#{section.value} .items")).to_contain_text(f"{section.label}: first point")

    page.get_by_label("Who is worried").fill("Children's services are worried that")
    page.get_by_label("What the adult does").fill("when Dad drinks he shouts at Mum")
    page.get_by_label("The impact on the child").fill("and the children are frightened")
    page.get_by_label("What may happen if nothing changes").fill("They could be hurt.")
    page.get_by_role("button", name="Add danger statement").click()
    expect(page.locator("#danger-statements .items")).to_contain_text("If nothing changes, they could be hurt.")

    # The manager puts the saved statement into plainer words, in its own form.
    danger = page.locator("#danger-statements .items > li").first
    danger.get_by_role("link", name="Edit danger statement 1").click()
    expect(danger.get_by_label("Who is worried")).to_be_focused()
    words = danger.get_by_label("Danger statement (composed from the parts; edit freely)")
    expect(words).to_have_value("Children's services are worried that when Dad drinks he shouts at Mum and the "
                                "children are frightened. If nothing changes, they could be hurt.")
    words.fill("Children's services are worried that when Dad drinks he shouts at Mum. The children are "
               "frightened, and they could be hurt.")
    danger.get_by_role("button", name="Save danger statement 1").click()
    expect(page.locator("#danger-statements .items .statement-text")).to_have_text(
        "Children's services are worried that when Dad drinks he shouts at Mum. The children are frightened, "
        "and they could be hurt.")
    expect(page.get_by_label("Danger statement (composed from the parts; edit freely)").last).to_have_value("")

    page.get_by_label("Answers the danger statement").last.select_option(label="Danger statement 1")
    page.get_by_label("What the parents and network will do").fill("Mum and Dad will keep them with a sober adult")
    page.get_by_label("Who needs to see it").fill("and Grandma will check")
    page.get_by_label("For how long").fill("for six months")
    page.get_by_role("button", name="Add safety goal").click()
    expect(page.locator("#safety-goals .items")).to_contain_text("for six months")
    # Changing one part of a composed goal composes it again.
    goal = page.locator("#safety-goals .items > li").first
    goal.get_by_role("link", name="Edit safety goal 1").click()
    expect(goal.get_by_label("Answers the danger statement")).to_have_value(
        page.get_by_label("Answers the danger statement").last.locator("option", has_text="Danger statement 1")
        .get_attribute("value"))
    goal.get_by_label("For how long").fill("for a year")
    goal.get_by_role("button", name="Save safety goal 1").click()
    expect(page.locator("#safety-goals .items .statement-text")).to_have_text(
        "Mum and Dad will keep them with a sober adult and Grandma will check for a year.")

    page.get_by_label("Participant", exact=True).select_option(label=worker.name)
    page.get_by_label("Score (0 to 10)", exact=True).fill("12")
    page.get_by_role("button", name="Save score").click()
    expect(page.locator("#scaling")).to_contain_text("Give a whole number from 0 to 10.")
    page.get_by_label("Score (0 to 10)", exact=True).fill("6")
    page.get_by_label("Why this score").fill("Grandma is involved")
    page.get_by_role("button", name="Save score").click()

    page.get_by_label("What will be done").fill("Invite Grandma to a network meeting")
    page.get_by_label("Who (staff)").select_option(label=worker.name)
    page.get_by_label("By when").fill("2026-12-05")
    page.get_by_role("button", name="Add agreed action").click()
    expect(page.locator("#actions")).to_contain_text("Invite Grandma to a network meeting")

    page.get_by_role("button", name="Agree and sign off the record").click()
    expect(page.get_by_text("The record is agreed and signed off.")).to_be_visible()
    record = page.locator("article.record")
    for section in Section:
        expect(record).to_contain_text(f"{section.label}: first point")
    expect(page.get_by_label("Plain-text version of this record")).to_have_value(
        __import__("re").compile("AGREED ACTIONS\n- Invite Grandma to a network meeting"))
    db.session.refresh(meeting)
    assert meeting.status is MeetingStatus.AGREED


def test_the_record_reads_on_a_phone(new_page, team_setup):
    page = new_page(team_setup["worker"], viewport=PHONE)
    page.goto(f"/sessions/{team_setup['meeting'].id}/record")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways on a phone ({width}px)"


def test_map_items_move_and_go_from_their_own_buttons(new_page, team_setup, db):
    """An item opens to edit, move or remove; its Move and Remove buttons share one small form, and each
    must still do its own thing."""
    meeting = team_setup["meeting"]
    page = new_page(team_setup["manager"])
    page.goto(f"/sessions/{meeting.id}")
    box = page.get_by_label("Add to worries")
    for text in ("First worry", "Second worry", "Third worry"):
        box.fill(text)
        box.press("Enter")
        expect(page.locator("#worries .items")).to_contain_text(text)
    items = page.locator("#worries .items > li")
    expect(items.get_by_role("button")).to_have_count(0)  # each item is its text and one Edit link
    # Heard out of context, each link and button still says which item it is for.
    items.first.get_by_role("link", name="Edit item 1 of worries (future danger)", exact=True).click()
    expect(items.first.get_by_label("Text")).to_be_focused()
    expect(items.first.get_by_role("button", name="Move up")).to_have_count(0)  # nothing above the first
    items.first.get_by_role("button", name="Move down item 1 of worries (future danger)", exact=True).click()
    expect(items.locator(".item-text")).to_have_text(["Second worry", "First worry", "Third worry"])
    # It stays open where it went, the same button focused: moving it again is one key.
    expect(items.nth(1).get_by_role("button", name="Move down")).to_be_focused()
    page.keyboard.press("Enter")
    expect(items.locator(".item-text")).to_have_text(["Second worry", "Third worry", "First worry"])
    items.nth(2).get_by_role("button", name="Remove item 3 of worries (future danger)", exact=True).click()
    expect(items.locator(".item-text")).to_have_text(["Second worry", "Third worry"])
