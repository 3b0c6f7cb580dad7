"""The agency portal's request pages and the operator's policy page, through real forms:
preview the area on the hexagon map, file, read, withdraw; change the policy."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from test_server_requests import registered_agency

from frontporch import geo
from frontporch.server.accounts.models import Role
from homes_tools import CHICAGO
from server_harness import ServerHarness


def _form(server: ServerHarness, csrf: str, **changes: str) -> dict[str, str]:
    now = server.clock()
    form = {
        "csrf_token": csrf,
        "case_number": " 2026-CR-7 ",
        "incident": "package_theft",
        "description": "Parcels taken from porches on Maple St.",
        "contact": "Records desk, +1 312 555 0100",
        "shape": "circle",
        "latitude": str(CHICAGO[0]),
        "longitude": str(CHICAGO[1]),
        "radius_m": "300",
        "points": "",
        "center_cell": "",
        "window_start": (now - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%S"),
        "window_end": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"),
        "expires_days": "7",
        "attestation": "true",
        "action": "file",
    }
    form.update(changes)
    return form


def test_an_agency_previews_files_reads_and_withdraws_through_the_pages(
    server: ServerHarness,
) -> None:
    agency = registered_agency(server)
    client: TestClient = agency.member.client
    csrf = agency.member.csrf or ""
    page = client.get("/agency/requests/new")
    assert page.status_code == 200
    assert 'name="attestation"' in page.text

    preview = client.post("/agency/requests/new", data=_form(server, csrf, action="preview"))
    assert preview.status_code == 200, preview.text
    assert 'role="radiogroup"' in preview.text  # the map's hexagons can be chosen by keyboard
    assert f'data-cell="{geo.home_cell(*CHICAGO)}"' in preview.text
    assert "hex covered" in preview.text

    unattested = client.post("/agency/requests/new", data=_form(server, csrf, attestation=""))
    assert unattested.status_code == 400
    assert 'id="attestation-error"' in unattested.text

    filed = client.post("/agency/requests/new", data=_form(server, csrf), follow_redirects=False)
    assert filed.status_code == 303, filed.text
    location = filed.headers["location"]
    detail = client.get(location)
    assert detail.status_code == 200
    assert "2026-CR-7" in detail.text
    assert "fewer than 10" in detail.text
    assert re.search(r'href="/transparency/entries/\d+"', detail.text)
    request_id = location.split("/")[3].split("?")[0]

    listing = client.get("/agency/requests")
    assert f"/agency/requests/{request_id}" in listing.text

    withdrawn = client.post(
        f"/agency/requests/{request_id}/withdraw", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert withdrawn.status_code == 303
    assert "withdrawn" in client.get(f"/agency/requests/{request_id}").text
    assert 'action="/agency/requests/' not in client.get(f"/agency/requests/{request_id}").text


def test_the_operator_changes_the_policy_on_its_page(server: ServerHarness) -> None:
    operator = server.account(Role.OPERATOR, mfa_on=True)
    page = operator.client.get("/operator/requests/policy")
    assert page.status_code == 200
    assert "Hard limits: 5 to 1000 homes" in page.text
    csrf = operator.csrf or ""
    refused = operator.client.post(
        "/operator/requests/policy", data={"csrf_token": csrf, "k_threshold": "4"}
    )
    assert refused.status_code == 400
    assert 'id="k_threshold-error"' in refused.text
    changed = operator.client.post(
        "/operator/requests/policy",
        data={"csrf_token": csrf, "max_area_sq_mi": "0.3"},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    shown = operator.client.get("/operator/requests/policy").text
    assert "area at most 0.3 sq mi" in shown
    assert re.search(r'href="/transparency/entries/\d+"', shown)
    resident = server.account()
    assert resident.client.get("/agency/requests").status_code == 403
