"""The genogram editor in Chromium: build a family with the forms and watch the drawing follow."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import PHONE

HOSTILE = '<script>alert(1)</script>"]; x -> y [label="'

# The drawing as the page shows it: the <img>'s own SVG, fetched by the browser and parsed as XML.
DRAWING = """async () => {
  const img = document.querySelector('.genogram-figure img');
  const text = await (await fetch(img.src)).text();
  const svg = new DOMParser().parseFromString(text, 'image/svg+xml');
  return {
    loaded: img.complete && img.naturalWidth > 0,
    src: img.getAttribute('src'),
    title: svg.querySelector('title').textContent,
    names: [...svg.querySelectorAll('text')].map(t => t.textContent),
    people: svg.querySelectorAll('[data-person]').length,
    scripts: svg.querySelectorAll('script').length,
  };
}"""


def _drawing(page) -> dict:
    expect(page.locator(".genogram-figure img")).to_be_visible()
    page.wait_for_function("() => { const i = document.querySelector('.genogram-figure img');"
                           " return i.complete && i.naturalWidth > 0; }")
    return page.evaluate(DRAWING)


def _add_person(page, name: str, sex: str, born: str = "") -> None:
    form = page.locator("#person-form")
    form.get_by_label("Name", exact=True).fill(name)
    form.get_by_label("Sex").select_option(label=sex)
    if born:
        form.get_by_label("Born").fill(born)
    form.get_by_role("button", name="Add this person").click()
    expect(page.get_by_role("status").filter(has_text="Person added")).to_be_visible()


def test_build_a_family_with_the_forms_and_see_the_drawing_follow(new_page, team_setup, db):
    case = team_setup["case"]
    page = new_page(team_setup["manager"])
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"/cases/{case.id}")
    page.get_by_role("link", name="The family's genogram").click()
    expect(page.get_by_text("No one is in this genogram yet.")).to_be_visible()

    page.get_by_role("button", name="Start from the children on this case").click()
    first = _drawing(page)
    assert first["loaded"] and first["people"] == 2
    assert {c.name for c in case.children} <= set(first["names"])

    _add_person(page, "Amy Jones", "Female", "1990")
    _add_person(page, "Dean Smith", "Male", "1988")
    second = _drawing(page)
    assert second["src"] != first["src"] and second["people"] == 4 and "Amy Jones" in second["names"]

    union = page.locator("#union-form")
    union.get_by_label("Partner", exact=True).select_option(label="Dean Smith (b. 1988)")
    union.get_by_label("Other partner").select_option(label="Amy Jones (b. 1990)")
    union.get_by_label("Kind of partnership").select_option(label="Married")
    union.get_by_label("From").fill("2015")
    union.get_by_role("button", name="Add this partnership").click()
    expect(page.get_by_role("status").filter(has_text="Partnership added")).to_be_visible()

    child = page.locator("#child-form")
    parents = "Dean Smith (b. 1988) and Amy Jones (b. 1990)"
    child.get_by_label("Partnership (parents or carers)").select_option(label=parents)
    child.get_by_label("Child", exact=True).select_option(label=f"{case.children[0].name} (b. 2018)")
    child.get_by_role("button", name="Save the child in the partnership").click()
    expect(page.get_by_role("status").filter(has_text="Child's link to the partnership saved")).to_be_visible()

    third = _drawing(page)
    assert third["src"] != second["src"] and "m. 2015" in third["names"]
    page.get_by_text("Who is in the family").click()
    words = page.locator("#who")
    expect(words).to_contain_text("Dean Smith and Amy Jones: married in 2015; children: " + case.children[0].name)
    expect(words).to_contain_text(f"{case.children[0].name} (sex not known, born 2018")

    # A hostile name is shown as written, everywhere, and nothing runs.
    _add_person(page, HOSTILE, "Male")
    expect(page.locator("#people .what").get_by_text(HOSTILE, exact=True)).to_be_visible()
    fourth = _drawing(page)
    assert HOSTILE in fourth["names"] and fourth["scripts"] == 0
    assert fourth["people"] == 5  # no node "x" or "y" was made from the name
    assert fourth["title"] == case.family_label
    page.goto(f"/cases/{case.id}/genogram.svg")  # the drawing opened on its own
    assert page.evaluate("document.documentElement.tagName") == "svg"
    assert not dialogs, dialogs


def test_a_mistake_is_shown_next_to_the_field_with_the_text_kept(new_page, team_setup):
    page = new_page(team_setup["manager"], viewport=PHONE)
    page.goto(f"/cases/{team_setup['case'].id}/genogram")
    form = page.locator("#person-form")
    form.get_by_label("Name", exact=True).fill("Amy Jones")
    form.get_by_label("Born").fill("2015-02-30")
    form.get_by_role("button", name="Add this person").click()
    form = page.locator("#person-form")
    expect(form.get_by_role("alert")).to_contain_text("The genogram was not saved")
    expect(form.locator("#person-born-error")).to_contain_text("is a day that does not exist")
    expect(form.get_by_label("Name", exact=True)).to_have_value("Amy Jones")
    expect(form.get_by_label("Born")).to_have_value("2015-02-30")
    # The page fits a phone: nothing wider than the screen but the drawing's own scroll box.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_household_gathers_the_people_ticked_for_it(new_page, team_setup):
    case = team_setup["case"]
    page = new_page(team_setup["manager"], viewport=PHONE)
    page.goto(f"/cases/{case.id}/genogram")
    page.get_by_role("button", name="Start from the children on this case").click()
    _add_person(page, "Amy Jones", "Female", "1990")
    form = page.locator("#household-form")
    form.get_by_label("Household", exact=True).fill("Mum's home")
    child = f"{case.children[0].name} (b. 2018)"
    form.get_by_label("Amy Jones (b. 1990)", exact=True).check()
    form.get_by_label(child, exact=True).check()
    form.get_by_role("button", name="Add this household").click()
    expect(page.get_by_role("status").filter(has_text="Household saved")).to_be_visible()
    expect(page.locator("#households")).to_contain_text(f"{child}, Amy Jones (b. 1990)")  # in the family's order
    assert "Mum's home" in _drawing(page)["names"]
