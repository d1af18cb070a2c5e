"""Two people edit the same map item in two browsers: the second save does not overwrite the first;
the second person sees both texts and chooses."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from supervision.models import DangerStatement, MapItem, Section
from supervision.services import meetings as ops

SHOTS = Path("/tmp/shots/trust")


def _open_edit(page, item_id: int, text: str) -> None:
    item = page.locator(f"#item-{item_id}")
    item.get_by_role("link", name="Edit item 1 of worries").click()
    expect(item.get_by_label("Text")).to_be_focused()  # opened where it is, ready to type
    item.get_by_label("Text").fill(text)


def test_the_second_save_shows_both_texts_and_loses_nothing(new_page, team_setup, db):
    meeting, manager, worker = team_setup["meeting"], team_setup["manager"], team_setup["worker"]
    item = ops.add_item(meeting, Section.WORRIES, "Dad drinks at weekends", worker)
    db.session.commit()
    priya, grace = new_page(manager), new_page(worker)
    for page in (priya, grace):
        page.goto(f"/sessions/{meeting.id}#worries")
        expect(page.locator(f"#item-{item.id}")).to_contain_text("Dad drinks at weekends")

    _open_edit(priya, item.id, "Dad drinks at weekends and on paydays")
    _open_edit(grace, item.id, "Dad drinks most evenings, says the school")
    priya.locator(f"#item-{item.id}").get_by_role("button", name="Save changes").click()
    expect(priya.locator(f"#item-{item.id} .item-text")).to_have_text("Dad drinks at weekends and on paydays")

    with grace.expect_response(lambda r: r.request.method == "POST") as answer:
        grace.locator(f"#item-{item.id}").get_by_role("button", name="Save changes").click()
    assert answer.value.status == 409
    conflict = grace.locator(f"#item-{item.id} .conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Someone else changed this while you were editing")
    expect(conflict.locator("blockquote")).to_have_text("Dad drinks at weekends and on paydays")
    box = grace.locator(f"#item-{item.id}").get_by_label("Text")
    expect(box).to_have_value("Dad drinks most evenings, says the school")  # her text, kept
    SHOTS.mkdir(parents=True, exist_ok=True)
    grace.locator(f"#item-{item.id}").screenshot(path=str(SHOTS / "conflict-1920.png"))
    db.session.expire_all()
    assert db.session.get(MapItem, item.id).text == "Dad drinks at weekends and on paydays"  # not overwritten

    # She chooses: both, in her own words.
    box.fill("Dad drinks at weekends and on paydays; the school says most evenings")
    grace.locator(f"#item-{item.id}").get_by_role("button", name="Save changes").click()
    expect(grace.locator(f"#item-{item.id} .item-text")).to_have_text(
        "Dad drinks at weekends and on paydays; the school says most evenings")
    db.session.expire_all()
    saved = db.session.get(MapItem, item.id)
    assert saved.text == "Dad drinks at weekends and on paydays; the school says most evenings"
    assert saved.version == 3
    priya.reload()
    expect(priya.locator(f"#item-{item.id} .item-text")).to_contain_text("the school says most evenings")


def test_a_danger_statement_edited_in_two_browsers_keeps_the_first_save(new_page, team_setup, db):
    meeting, manager, worker = team_setup["meeting"], team_setup["manager"], team_setup["worker"]
    danger = ops.save_danger_statement(meeting, None, statement="The school is worried about Dad's drinking.")
    db.session.commit()
    label = "Danger statement (composed from the parts; edit freely)"
    priya, grace = new_page(manager), new_page(worker)
    for page, words in ((priya, "The school is worried that when Dad drinks he shouts."),
                        (grace, "The school and the GP are worried about Dad's drinking.")):
        page.goto(f"/sessions/{meeting.id}#danger-statements")
        page.locator(f"#danger-{danger.id}").get_by_role("link", name="Edit danger statement 1").click()
        page.locator(f"#danger-{danger.id}").get_by_label(label).fill(words)
    priya.locator(f"#danger-{danger.id}").get_by_role("button", name="Save danger statement 1").click()
    expect(priya.locator(f"#danger-{danger.id} .statement-text")).to_have_text(
        "The school is worried that when Dad drinks he shouts.")

    with grace.expect_response(lambda r: r.request.method == "POST") as answer:
        grace.locator(f"#danger-{danger.id}").get_by_role("button", name="Save danger statement 1").click()
    assert answer.value.status == 409
    conflict = grace.locator(f"#danger-{danger.id} .conflict")
    expect(conflict).to_be_visible()
    expect(conflict.locator("blockquote")).to_have_text("The school is worried that when Dad drinks he shouts.")
    expect(grace.locator(f"#danger-{danger.id}").get_by_label(label)).to_have_value(
        "The school and the GP are worried about Dad's drinking.")  # her words, kept
    db.session.expire_all()
    saved = db.session.get(DangerStatement, danger.id)
    assert saved.statement == "The school is worried that when Dad drinks he shouts."
