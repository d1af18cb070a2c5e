"""Two people edit the same map item in two browsers: the second save does not overwrite the first;
the second person sees both texts and chooses."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from supervision.models import MapItem, Section
from supervision.services import meetings as ops

SHOTS = Path("/tmp/shots/trust")


def _open_edit(page, item_id: int, text: str) -> None:
    item = page.locator(f"#item-{item_id}")
    item.locator("summary", has_text="Edit").click()
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
