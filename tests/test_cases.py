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
