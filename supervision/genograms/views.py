"""The genogram editor of a case, its drawings and file, and the drawing a session shows."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import undefer
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.utils import secure_filename
from wtforms.fields.choices import SelectChoice

from genogram import RenderError
from genogram.dottext import quoted_label
from genogram.graphviz_run import run_dot
from supervision.access import get_case_for, get_meeting_for
from supervision.extensions import db
from supervision.forms import EmptyForm
from supervision.genograms import forms as f
from supervision.models import Case, Meeting
from supervision.services import genograms as ops
from supervision.services.errors import DomainError

bp = Blueprint("genograms", __name__)

# The drawings are the only case data a browser may keep (privately), so it can revalidate them
# with their ETag instead of downloading them again; pages stay no-store (supervision/security.py).
DRAWING_CACHE = "private, no-cache"
# An SVG opened on its own is a document: nothing in it may run or load (its text is escaped anyway).
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'"
EMPTY_MESSAGE = "No one is in this genogram yet."
BROKEN_MESSAGE = "This genogram has problems and cannot be drawn.\nOpen the genogram editor to see them."


# --- the editor --------------------------------------------------------------------------------

def _choices(saved: ops.SavedGenogram) -> dict[str, list[SelectChoice]]:
    people = [(p["id"], ops.person_label(p)) for p in saved.data.get("people", [])]
    names = dict(people)
    unions = [(u["id"], ops.union_label(u, names)) for u in saved.data.get("unions", [])]
    households = [(h["id"], h["name"]) for h in saved.data.get("households", [])]
    return {key: [SelectChoice(value, label) for value, label in items]
            for key, items in (("people", people), ("unions", unions), ("households", households))}


def _none(label: str) -> SelectChoice:
    return SelectChoice("", label)


def _fill(forms: dict, saved: ops.SavedGenogram) -> None:
    """Give each form present its choices from the saved family."""
    choice = _choices(saved)
    people, unions = choice["people"], choice["unions"]
    if person := forms.get("person_form"):
        person.household.choices = [_none("No household drawn"), *choice["households"]]
        person.child_of.choices = [_none("Not now: add the parents later"), *unions]
    if union := forms.get("union_form"):
        union.partner_one.choices = [_none("Choose a person"), *people]
        union.partner_two.choices = [_none("Not known (one parent only)"), *people]
    if child := forms.get("child_form"):
        child.union_id.choices = [_none("Choose a partnership"), *unions]
        child.child_id.choices = [_none("Choose a person"), *people]
    if rel := forms.get("relationship_form"):
        rel.source.choices = [_none("Choose a person"), *people]
        rel.target.choices = [_none("Choose a person"), *people]
    if household := forms.get("household_form"):
        household.members.choices = people


def _find(items: list[dict], key: str, value: str | None) -> dict | None:
    return next((item for item in items if item.get(key) == value), None) if value else None


def _editing_forms(saved: ops.SavedGenogram) -> dict:
    """Fresh forms; the one named by the query string (?person=, ?union=, ...) holds that item to edit."""
    data = saved.data
    forms: dict = {"title_form": f.TitleForm(None, data={"title": data.get("title", "")})}
    person = _find(data.get("people", []), "id", request.args.get("person"))
    forms["person_form"] = f.PersonForm(None, prefix="person", data=person and {
        **person, "person_id": person["id"], "deceased": person.get("deceased", False) and not person.get("died")})
    union = _find(data.get("unions", []), "id", request.args.get("union"))
    forms["union_form"] = f.UnionForm(None, prefix="union", data=union and {
        "union_id": union["id"], "partner_one": union["partners"][0],
        "partner_two": union["partners"][1] if len(union["partners"]) > 1 else "",
        "union_type": union.get("type", "unknown"), "status": union.get("status", "together"),
        "start": union.get("from", ""), "end": union.get("to", "")})
    linked = _find(data.get("unions", []), "id", request.args.get("link"))
    link = _find(linked.get("children", []), "id", request.args.get("child")) if linked else None
    forms["child_form"] = f.ChildForm(None, prefix="child", data=link and {
        "union_id": linked["id"], "child_id": link["id"], "relation": link.get("relation", "biological"),
        "twin": link.get("twin", ""), "identical": link.get("identical", False)})
    rel = _find([{**r, "key": ops.relationship_key(r)} for r in data.get("relationships", []) if isinstance(r, dict)
                 and {"from", "to", "kind"} <= r.keys()], "key", request.args.get("relationship"))
    forms["relationship_form"] = f.RelationshipForm(None, prefix="rel", data=rel and {
        "key": rel["key"], "source": rel["from"], "target": rel["to"], "kind": rel["kind"]})
    household = _find(data.get("households", []), "id", request.args.get("household"))
    forms["household_form"] = f.HouseholdForm(None, prefix="household", data=household and {
        "household_id": household["id"], "name": household["name"],
        "members": [p["id"] for p in data.get("people", []) if p.get("household") == household["id"]]})
    forms["import_form"] = f.ImportForm(None, prefix="import")
    return forms


def editor_page(case: Case, status: int = 200, *, failed: str | None = None, problems: tuple[str, list[str]] = ("", []),
                **given):
    """The editor with fresh forms, except the one given (kept with the user's input and its problems)."""
    saved = ops.case_genogram(case)
    forms = {**_editing_forms(saved), **given}
    _fill(forms, saved)
    today = date.today()
    return render_template(
        "genograms/editor.html", case=case, saved=saved, failed=failed, problems=problems,
        words=ops.text_alternative(saved, today), drawing_tag=ops.drawing_tag(saved.text, "svg", today)[:12],
        labels=_labels(), missing_children=ops.children_not_drawn(case, saved), **_lookups(saved), **forms), status


def _lookups(saved: ops.SavedGenogram) -> dict:
    """Names by id, for the lists of the editor (only for a family that loaded)."""
    if saved.family is None:
        return {}
    data = saved.data
    names = {p["id"]: ops.person_label(p) for p in data["people"]}
    members: dict[str, list[str]] = {}
    for person in data["people"]:
        if person.get("household"):
            members.setdefault(person["household"], []).append(names[person["id"]])
    return dict(names=names, unions={u["id"]: ops.union_label(u, names) for u in data["unions"]},
                households={h["id"]: h["name"] for h in data["households"]}, members=members,
                relationships=[(ops.relationship_key(r), names[r["from"]], ops.RELATIONSHIP_WORDS[r["kind"]],
                                names[r["to"]]) for r in data["relationships"]])


def _labels() -> dict:
    return dict(sex=ops.SEX_LABELS, kind=ops.KIND_LABELS, union_type=ops.UNION_TYPE_LABELS,
                status=ops.UNION_STATUS_LABELS, relation=ops.RELATION_LABELS, relationship=ops.RELATIONSHIP_LABELS)


@bp.get("/cases/<int:case_id>/genogram")
@login_required
def editor(case_id: int):
    return editor_page(get_case_for(current_user, case_id, undefer(Case.genogram_json)))


def _change(case: Case, name: str, form, operation: Callable[[], object], done: str, anchor: str):
    """Validate `form`, run the operation, commit and go back; or show the form again with its problems, 400."""
    kept = {f"{name}_form": form}
    if not form.validate_on_submit():
        return editor_page(case, 400, failed=name, **kept)
    try:
        operation()
    except ops.GenogramProblems as error:
        db.session.rollback()
        for field_name, messages in error.by_field.items():
            form[field_name].errors = [*form[field_name].errors, *messages]
        return editor_page(case, 400, failed=name, problems=(str(error), error.general[:ops.MAX_SHOWN_PROBLEMS]),
                           **kept)
    except DomainError as error:
        db.session.rollback()
        return editor_page(case, 400, failed=name, problems=(str(error), []), **kept)
    db.session.commit()
    flash(done)
    return redirect(url_for(".editor", case_id=case.id, _anchor=anchor))


def _form_for(case: Case, form_class, name: str, prefix: str):
    """The posted form, with its choices from the saved family so they can be checked."""
    form = form_class(prefix=prefix)
    _fill({f"{name}_form": form}, ops.case_genogram(case))
    return form


@bp.post("/cases/<int:case_id>/genogram/title")
@login_required
def save_title(case_id: int):
    case = get_case_for(current_user, case_id)
    form = f.TitleForm()
    return _change(case, "title", form, lambda: ops.set_title(case, form.title.data), "Title saved.", "drawing")


@bp.post("/cases/<int:case_id>/genogram/people")
@login_required
def save_person(case_id: int):
    case = get_case_for(current_user, case_id)
    form = _form_for(case, f.PersonForm, "person", "person")
    details = ops.PersonDetails(
        name=form.name.data or "", sex=form.sex.data or "", kind=form.kind.data or "person",
        born=form.born.data or "", died=form.died.data or "", deceased=bool(form.deceased.data),
        subject=bool(form.subject.data), household=form.household.data or "", gender=form.gender.data or "",
        note=form.note.data or "")
    editing = form.person_id.data or None
    return _change(case, "person", form, lambda: ops.save_person(
        case, details, editing, child_of=None if editing else form.child_of.data or None,
        relation=form.relation.data or "biological"),
        "Changes to the person saved." if editing else "Person added to the genogram.", "people")


@bp.post("/cases/<int:case_id>/genogram/unions")
@login_required
def save_union(case_id: int):
    case = get_case_for(current_user, case_id)
    form = _form_for(case, f.UnionForm, "union", "union")
    editing = form.union_id.data or None
    return _change(case, "union", form, lambda: ops.save_union(
        case, [form.partner_one.data, form.partner_two.data], union_type=form.union_type.data,
        status=form.status.data, start=form.start.data or "", end=form.end.data or "", union_id=editing),
        "Partnership saved." if editing else "Partnership added.", "partnerships")


@bp.post("/cases/<int:case_id>/genogram/children")
@login_required
def save_child(case_id: int):
    case = get_case_for(current_user, case_id)
    form = _form_for(case, f.ChildForm, "child", "child")
    return _change(case, "child", form, lambda: ops.save_child(
        case, form.union_id.data, form.child_id.data, relation=form.relation.data, twin=form.twin.data or "",
        identical=bool(form.identical.data)), "Child's link to the partnership saved.", "partnerships")


@bp.post("/cases/<int:case_id>/genogram/relationships")
@login_required
def save_relationship(case_id: int):
    case = get_case_for(current_user, case_id)
    form = _form_for(case, f.RelationshipForm, "relationship", "rel")
    return _change(case, "relationship", form, lambda: ops.save_relationship(
        case, form.source.data, form.target.data, form.kind.data, form.key.data or None),
        "Relationship saved.", "relationships")


@bp.post("/cases/<int:case_id>/genogram/households")
@login_required
def save_household(case_id: int):
    case = get_case_for(current_user, case_id)
    form = _form_for(case, f.HouseholdForm, "household", "household")
    return _change(case, "household", form, lambda: ops.save_household(
        case, form.name.data, form.members.data or [], form.household_id.data or None),
        "Household saved.", "households")


REMOVALS: dict[str, tuple[Callable, str, str]] = {
    "person": (lambda case, form: ops.remove_person(case, form.target.data), "Person removed.", "people"),
    "union": (lambda case, form: ops.remove_union(case, form.target.data), "Partnership removed.", "partnerships"),
    "child": (lambda case, form: ops.remove_child(case, form.target.data, form.other.data or ""),
              "Child's link to the partnership removed.", "partnerships"),
    "relationship": (lambda case, form: ops.remove_relationship(case, form.target.data), "Relationship removed.",
                     "relationships"),
    "household": (lambda case, form: ops.remove_household(case, form.target.data), "Household removed.",
                  "households"),
}


@bp.post("/cases/<int:case_id>/genogram/person/remove", defaults={"what": "person"})
@bp.post("/cases/<int:case_id>/genogram/union/remove", defaults={"what": "union"})
@bp.post("/cases/<int:case_id>/genogram/child/remove", defaults={"what": "child"})
@bp.post("/cases/<int:case_id>/genogram/relationship/remove", defaults={"what": "relationship"})
@bp.post("/cases/<int:case_id>/genogram/household/remove", defaults={"what": "household"})
@login_required
def remove(case_id: int, what: str):
    case = get_case_for(current_user, case_id)
    form = f.RemoveForm()
    operation, done, anchor = REMOVALS[what]
    if not form.validate_on_submit():
        return editor_page(case, 400, failed=f"remove-{what}",
                           problems=("That could not be removed: reload the page and try again.", []))
    try:
        operation(case, form)
    except DomainError as error:
        db.session.rollback()
        messages = getattr(error, "general", []) + [m for ms in getattr(error, "by_field", {}).values() for m in ms]
        return editor_page(case, 400, failed=f"remove-{what}", problems=(str(error), messages))
    db.session.commit()
    flash(done)
    return redirect(url_for(".editor", case_id=case.id, _anchor=anchor))


@bp.post("/cases/<int:case_id>/genogram/start-from-children")
@login_required
def start_from_children(case_id: int):
    case = get_case_for(current_user, case_id)
    if not EmptyForm().validate_on_submit():
        return editor_page(case, 400, failed="start", problems=("Reload the page and try again.", []))
    try:
        added = ops.start_from_children(case)
    except DomainError as error:
        db.session.rollback()
        return editor_page(case, 400, failed="start", problems=(str(error), getattr(error, "general", [])))
    db.session.commit()
    flash(f"{added} {'child' if added == 1 else 'children'} added as subject children. Add their parents next.")
    return redirect(url_for(".editor", case_id=case.id, _anchor="people"))


@bp.post("/cases/<int:case_id>/genogram/import")
@login_required
def import_file(case_id: int):
    case = get_case_for(current_user, case_id)
    form = f.ImportForm(prefix="import")
    if not form.validate_on_submit():
        return editor_page(case, 400, failed="import", import_form=form)
    try:
        ops.import_family(case, form.file.data.read())
    except ops.GenogramProblems as error:
        db.session.rollback()
        listed = error.general[:ops.MAX_SHOWN_PROBLEMS]
        if len(error.general) > len(listed):
            listed.append(f"… and {len(error.general) - len(listed)} more problems.")
        return editor_page(case, 400, failed="import", problems=(str(error), listed), import_form=form)
    db.session.commit()
    flash("Genogram imported.")
    return redirect(url_for(".editor", case_id=case.id, _anchor="drawing"))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    """A file over the upload limit: say so next to the file field on the editor, nothing changed.

    The limit can trip before the view runs (while the CSRF token is read), so this handler checks
    who is asking itself, as the view would: signed out → sign in; a case they cannot see → 404.
    It must not read the form: that would read the oversized body again.
    """
    case_id = (request.view_args or {}).get("case_id")
    if request.endpoint != "genograms.import_file" or case_id is None:
        return render_template("errors/error.html", code=413,
                               message="That was too large to accept. Please shorten it and try again."), 413
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    try:
        case = get_case_for(current_user, case_id)
    except HTTPException as refused:  # 404 (another team's case) or 403: the app's own error page
        return current_app.handle_http_exception(refused)
    form = f.ImportForm(prefix="import", formdata=None)
    form.file.errors = [f"The file is larger than {_megabytes()} MB. A genogram file is usually well under 1 MB; "
                        "check it is the right file."]
    return editor_page(case, 413, failed="import", import_form=form,
                       problems=("The file was not imported, and the genogram is unchanged.", []))


def _megabytes() -> str:
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return f"{limit / (1024 * 1024):g}"


@bp.get("/cases/<int:case_id>/genogram.json")
@login_required
def export(case_id: int):
    case = get_case_for(current_user, case_id)
    name = secure_filename(f"genogram-{case.reference}.json") or "genogram.json"
    response = Response(ops.export_text(case), mimetype="application/json")
    response.headers.set("Content-Disposition", "attachment", filename=name)
    return response


# --- the drawings ------------------------------------------------------------------------------

@functools.lru_cache(maxsize=8)
def _placeholder(message: str, fmt: str) -> bytes:
    """A drawing that says there is nothing (or nothing drawable) to show: our words only, never user text."""
    source = (f'digraph placeholder {{ graph [margin="0.3" bgcolor="white"]; '
              f'note [shape="plaintext" fontname="DejaVu Sans" fontsize="16" fontcolor="#4a4a4a" '
              f'label={quoted_label(*message.splitlines())}]; }}')
    return run_dot(source, fmt, timeout=30)


def _drawing(text: str | None, case: Case, fmt: str, day: date, filename: str):
    tag = ops.drawing_tag(text, fmt, day)
    headers = {"Cache-Control": DRAWING_CACHE}
    if fmt == "svg":
        headers["Content-Security-Policy"] = SVG_CSP
    if request.args.get("download"):
        disposition = "attachment"
    else:
        disposition = "inline"
    if request.if_none_match.contains(tag):
        response = Response(status=304, headers=headers)
        response.set_etag(tag)
        return response
    saved = ops.read(text, case)
    try:
        if saved.drawable:
            body = ops.draw(saved, fmt, day)
        else:
            body = _placeholder(BROKEN_MESSAGE if saved.family is None else EMPTY_MESSAGE, fmt)
    except RenderError:
        return Response("The drawing could not be made just now. Please try again in a minute.", status=503,
                        mimetype="text/plain", headers={"Retry-After": "60"})
    response = Response(body, mimetype=ops.FORMATS[fmt], headers=headers)
    response.headers.set("Content-Disposition", disposition, filename=f"{filename}.{fmt}")
    response.set_etag(tag)
    return response


@bp.get("/cases/<int:case_id>/genogram.svg", defaults={"fmt": "svg"})
@bp.get("/cases/<int:case_id>/genogram.png", defaults={"fmt": "png"})
@bp.get("/cases/<int:case_id>/genogram.pdf", defaults={"fmt": "pdf"})
@login_required
def case_drawing(case_id: int, fmt: str):
    case = get_case_for(current_user, case_id, undefer(Case.genogram_json))
    name = secure_filename(f"genogram-{case.reference}") or "genogram"
    return _drawing(case.genogram_json, case, fmt, date.today(), name)


@bp.get("/sessions/<int:meeting_id>/genogram.svg", defaults={"fmt": "svg"})
@bp.get("/sessions/<int:meeting_id>/genogram.png", defaults={"fmt": "png"})
@bp.get("/sessions/<int:meeting_id>/genogram.pdf", defaults={"fmt": "pdf"})
@login_required
def session_drawing(meeting_id: int, fmt: str):
    """An agreed session's drawing is the genogram as it was that day; a draft's is the case's current one."""
    meeting = get_meeting_for(current_user, meeting_id)
    return _drawing(ops.session_text(meeting), meeting.case, fmt, ops.session_day(meeting),
                    f"genogram-session-{meeting.id}")


# --- the genogram in a session (sessions/editor.html and record.html include it) ----------------

@dataclass
class SessionGenogram:
    saved: ops.SavedGenogram
    words: list[str]
    drawing: str
    editor: str
    snapshot: bool  # the drawing kept when the record was agreed


@bp.app_template_global()
def session_genogram(meeting: Meeting) -> SessionGenogram:
    """What a session shows of the family's genogram (read only: the loaders have checked access)."""
    saved = ops.session_genogram(meeting)
    return SessionGenogram(saved=saved, words=ops.text_alternative(saved, ops.session_day(meeting)),
                           drawing=ops.session_drawing_path(meeting),
                           editor=url_for("genograms.editor", case_id=meeting.case_id),
                           snapshot=meeting.is_agreed)
