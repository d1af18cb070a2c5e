def test_cases_list_shows_only_my_team(login_as, team_setup):
    client = login_as(team_setup["manager"])
    page = client.get("/cases").data.decode()
    assert team_setup["case"].family_label in page
    assert team_setup["other_case"].family_label not in page


def test_case_page_shows_children_sessions_and_status(login_as, team_setup):
    client = login_as(team_setup["worker"])
    case = team_setup["case"]
    page = client.get(f"/cases/{case.id}").data.decode()
    assert case.children[0].name in page
    assert "Child protection plan" in page
    assert "Group supervision" in page


def test_another_teams_case_answers_404(login_as, team_setup):
    client = login_as(team_setup["manager"])
    other = team_setup["other_case"]
    assert client.get(f"/cases/{other.id}").status_code == 404
    assert client.get(f"/cases/{other.id}/sessions/new").status_code == 404
    assert client.get("/cases/999999").status_code == 404


def test_add_a_case_and_its_children(login_as, team_setup, db):
    from supervision.models import Case

    client = login_as(team_setup["manager"])
    response = client.post("/cases/new", data={
        "reference": "NEW-1", "family_label": "Quill family", "practitioner_id": team_setup["worker"].id,
        "legal_status": "child_in_need", "is_open": "y"})
    assert response.status_code == 302
    case = db.session.scalar(db.select(Case).filter_by(reference="NEW-1"))
    assert case.team_id == team_setup["team"].id and case.practitioner_id == team_setup["worker"].id
    assert client.post(f"/cases/{case.id}/children", data={"name": "Ivy Quill", "date_of_birth": "2020-02-29"}
                       ).status_code == 302
    future = client.post(f"/cases/{case.id}/children", data={"name": "Later", "date_of_birth": "2999-01-01"})
    assert future.status_code == 400 and b"cannot be in the future" in future.data and b"Later" in future.data
    db.session.refresh(case)
    assert [c.name for c in case.children] == ["Ivy Quill"]
    client.post(f"/cases/{case.id}/children/{case.children[0].id}/remove")
    db.session.refresh(case)
    assert case.children == []


def test_case_references_are_unique_and_errors_keep_the_text(login_as, team_setup):
    client = login_as(team_setup["manager"])
    existing = team_setup["case"].reference
    response = client.post("/cases/new", data={"reference": existing, "family_label": "Kept text",
                                               "legal_status": "child_in_need"})
    assert response.status_code == 400
    assert b"Another case already has that reference." in response.data and b"Kept text" in response.data


def test_edit_case_details_and_close_it(login_as, team_setup, db):
    client = login_as(team_setup["manager"])
    case = team_setup["case"]
    response = client.post(f"/cases/{case.id}/edit", data={
        "reference": case.reference, "family_label": "Renamed family", "practitioner_id": "0",
        "legal_status": "care_proceedings"})
    assert response.status_code == 302
    db.session.refresh(case)
    assert case.family_label == "Renamed family" and case.practitioner_id is None and not case.is_open
    assert "Renamed family" not in client.get("/cases").data.decode()
    assert "Renamed family" in client.get("/cases?show=all").data.decode()


def test_another_teams_case_cannot_be_edited(login_as, team_setup):
    client = login_as(team_setup["manager"])
    other = team_setup["other_case"]
    assert client.get(f"/cases/{other.id}/edit").status_code == 404
    assert client.post(f"/cases/{other.id}/children", data={"name": "x"}).status_code == 404


def test_case_page_shows_the_latest_sessions_and_the_whole_history_on_request(login_as, team_setup, make_meeting,
                                                                               db):
    """Bounded so the page costs the same after years of sessions; the story compares across the cut."""
    from supervision.models import DangerStatement
    from supervision.services.meetings import RECENT_SESSIONS

    case, manager = team_setup["case"], team_setup["manager"]
    team_setup["meeting"].scheduled_at = team_setup["meeting"].scheduled_at.replace(year=2020)
    for n in range(RECENT_SESSIONS + 1):
        meeting = make_meeting(case, manager, days_from_now=-40 * (RECENT_SESSIONS + 1 - n))
        db.session.add(DangerStatement(meeting=meeting, position=1, statement="Children's services are worried."))
    db.session.commit()
    total = RECENT_SESSIONS + 2
    client = login_as(manager)

    latest = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert latest.count('<article class="card">') == RECENT_SESSIONS
    assert f"The latest {RECENT_SESSIONS} of {total} sessions" in latest
    assert f"Show all {total} sessions" in latest
    # The oldest shown is compared with the hidden session before it, so nothing reads as first written.
    assert "First written" not in latest

    whole = client.get(f"/cases/{case.id}?history=all").get_data(as_text=True)
    assert whole.count('<article class="card">') == total
    assert f"All {total} sessions" in whole and "Show the latest only" in whole
    assert whole.count("First written") == 1


def test_a_manager_allocates_seeing_each_caseload_with_the_family(login_as, team_setup, db):
    case, worker = team_setup["case"], team_setup["worker"]
    page = login_as(team_setup["manager"]).get(f"/cases/{case.id}/edit").data.decode()
    children = len(case.children)
    assert f"{worker.name}: holds it, {children} children" in page  # the holder's figure as it is
    # Anyone else: their caseload with this family added, against the team's limit.
    assert f"{team_setup['manager'].name}: with this family {children} children" in page
    assert f"(limit {team_setup['team'].caseload_limit})" in page


def test_only_a_manager_changes_who_holds_a_case(login_as, team_setup, db):
    case, worker = team_setup["case"], team_setup["worker"]
    client = login_as(worker)
    page = client.get(f"/cases/{case.id}/edit").data.decode()
    assert "Only a manager changes who holds a case." in page
    response = client.post(f"/cases/{case.id}/edit", data={
        "reference": case.reference, "family_label": "Kept label", "practitioner_id": team_setup["manager"].id,
        "legal_status": case.legal_status.value, "is_open": "y"})
    assert response.status_code == 400 and b"Kept label" in response.data
    db.session.refresh(case)
    assert case.practitioner_id == worker.id
    # The rest of the details are theirs to keep up to date.
    assert client.post(f"/cases/{case.id}/edit", data={
        "reference": case.reference, "family_label": "Renamed by the worker", "practitioner_id": worker.id,
        "legal_status": case.legal_status.value, "is_open": "y"}).status_code == 302
