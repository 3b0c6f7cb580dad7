"""A footage request from filing to verified evidence, in a real Chromium at desktop and
phone sizes (issue 11, "Done when").

1. The agency member signs in (two-factor), files a request on /agency/requests/new:
   case, incident, description, contact, a window around the hub's recording, an
   expiry, the circle's centre chosen on the hexagon map, the attestation. The
   request's page shows it with the link to its log entry.
2. The hub's link delivers it; the hub proves it into the server's log. The owner signs
   in, sees "Requests (1)", reads the request as filed, checks the event and picks a
   range on the camera's recording (by dragging on the bar at desktop size, by typing
   the times at phone size), types the owner password and releases. The release page
   says "Done" once the hub has uploaded everything.
3. The agency reloads the request's page: one complete release; it downloads the
   evidence package through the page.
4. `frontporch evidence verify` (the venv's command) passes with the agency's identity
   and the log key; the stock `age -d -i` opens every clip, to the same bytes; ffprobe
   sees H.264 in MP4 lasting as long as each range picked; every decoded frame is black
   inside the camera's privacy mask and shows the scene outside it.

Each step is photographed (`requests-<size>-<nn>-<name>.png`, tests/screenshots.py);
every page must fit the viewport's width. Sites: tests/e2e/request_flow.py.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import av
import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from request_flow import (
    AGENCY_NAME,
    CAMERA,
    EVENT_ID,
    MASK,
    POST_S,
    PRE_S,
    VIEWPORTS,
    Sites,
    home_cell,
    request_flow_sites,
    signed_in_agency,
    signed_in_owner,
    wait_for,
)

from fakes import OWNER_PASSWORD
from feed_tools import miles_from
from frontporch.hub.requests.records import ReleaseState, RequestState
from homes_tools import CHICAGO
from screenshots import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.ffprobe, pytest.mark.age]

AGE = "/usr/bin/age"
CASE_NUMBER = "2026-004417"
DESCRIPTION = (
    "A parcel was taken from a porch on Maple Street.\n"
    "Footage of anyone walking up to a front door in this window would help."
)
CONTACT = "Investigations desk, 555-0142"
RANGE_S = (18.0, 26.0)  # into the recording: the range picked on the camera's bar
EDGE = 4  # pixels of a mask's edge not held to black (the encoder blurs edges)


@dataclass
class Shots:
    """The pages of one pass, photographed in order."""

    page_size: str
    taken: list[str] = field(default_factory=list)

    def take(self, page: Page, name: str) -> None:
        """Photograph the page (whole) and check it fits the viewport's width."""
        self.taken.append(name)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"requests-{self.page_size}-{len(self.taken):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        limit = VIEWPORTS[self.page_size]["width"]
        assert width <= limit, f"{name}: the page is {width}px wide at {limit}px"


@dataclass(frozen=True)
class Pick:
    """A range the owner released, in Unix time."""

    start: float
    end: float


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sites]:
    with request_flow_sites(tmp_path_factory.mktemp("flow")) as sites:
        yield sites


def utc_field(t: float) -> str:
    """A datetime-local value in UTC, to the second (the server's form reads UTC)."""
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def written_as_filed(text: Locator) -> bool:
    """Whether the element shows the description as written, its line break included."""
    shown = str(text.evaluate("(el) => el.innerText")).strip()
    return shown == DESCRIPTION


def file_the_request(page: Page, sites: Sites, shots: Shots) -> str:
    """Step 1: fill the form, choose the centre on the map, file. The request's id."""
    server, hub = sites.server, sites.hub
    page.goto(f"{server.url}/agency/requests/new", wait_until="domcontentloaded")
    page.get_by_label("Case number").fill(CASE_NUMBER)
    page.get_by_label("Incident").select_option("package_theft")
    page.get_by_label("Description").fill(DESCRIPTION)
    page.get_by_label("Contact", exact=True).fill(CONTACT)
    page.get_by_label("From", exact=True).fill(utc_field(hub.window[0]))
    page.get_by_label("To", exact=True).fill(utc_field(hub.window[1]))
    page.get_by_label("Expires after").select_option("3")
    typed = miles_from(CHICAGO, 0.25, 90)  # a block east of the home, to move on the map
    page.get_by_label("Centre latitude").fill(f"{typed[0]:.6f}")
    page.get_by_label("Centre longitude").fill(f"{typed[1]:.6f}")
    page.get_by_label("Radius (metres)").fill("300")
    page.get_by_role("button", name="Show on the map").click()
    page.wait_for_load_state("domcontentloaded")

    # Choose the home's hexagon as the circle's centre, then draw the area again.
    hexagon = page.locator(f'svg.hexmap.picker polygon[data-cell="{home_cell()}"]')
    hexagon.click()
    expect(hexagon).to_have_attribute("aria-checked", "true")
    expect(page.locator("#center_cell")).to_have_value(home_cell())
    page.get_by_role("button", name="Show on the map").click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.locator(f'polygon.covered[data-cell="{home_cell()}"]')).to_have_count(1)
    expect(page.get_by_label("Case number")).to_have_value(CASE_NUMBER)  # kept on redraw
    page.get_by_label("I attest").check()
    shots.take(page, "agency-new-request")

    page.get_by_role("button", name="File the request").click()
    page.wait_for_url(re.compile(r"/agency/requests/[0-9a-f-]{36}\?done=filed"))
    expect(page.get_by_text("Request filed and logged.")).to_be_visible()
    expect(page.get_by_role("heading", name=f"Request {CASE_NUMBER}")).to_be_visible()
    assert written_as_filed(page.locator("dd.pre"))
    entry = page.get_by_role("link", name=re.compile(r"^log entry \d+$"))
    expect(entry).to_have_attribute("href", re.compile(r"^/transparency/entries/\d+$"))
    shots.take(page, "agency-filed")
    found = re.search(r"/agency/requests/([0-9a-f-]{36})", page.url)
    assert found is not None
    return found.group(1)


def hub_received(sites: Sites, request_id: str) -> None:
    """The link delivered the request and the hub proved it into the log: open."""
    desk = sites.hub.desk

    def checked() -> bool:
        record = desk.get(request_id)
        return record is not None and record.state is not RequestState.VERIFYING

    wait_for(checked, 30.0, "the hub to receive and check the request")
    record = desk.get(request_id)
    assert record is not None
    assert record.state is RequestState.OPEN, record.refusal


def local_seconds(value: str, offset: int) -> float:
    """A range field's value (the hub's fixed offset, to the second) as Unix time."""
    return datetime.fromisoformat(value).replace(tzinfo=UTC).timestamp() - offset


def pick_range(page: Page, sites: Sites, size: str) -> Pick:
    """Pick RANGE_S of the recording: dragged on the bar at desktop size, typed into
    the fields at phone size. The range as the form will send it."""
    hub = sites.hub
    picker = page.locator(f'.span-picker[data-camera="{CAMERA}"]')
    offset = int(picker.get_attribute("data-offset") or "0")
    start_field = page.get_by_label(f"Start on {CAMERA}", exact=True)
    end_field = page.get_by_label(f"End on {CAMERA}", exact=True)
    wanted = (hub.recording[0] + RANGE_S[0], hub.recording[0] + RANGE_S[1])
    if size == "desktop":
        bar = picker.locator("svg.span-bar")
        bar.scroll_into_view_if_needed()
        box = bar.bounding_box()
        assert box is not None
        window = hub.window[1] - hub.window[0]

        def x_at(t: float) -> float:
            return box["x"] + (t - hub.window[0]) / window * box["width"]

        y = box["y"] + box["height"] / 2
        page.mouse.move(x_at(wanted[0]), y)
        page.mouse.down()
        page.mouse.move(x_at(wanted[1]), y, steps=10)
        page.mouse.up()
        expect(picker.locator("rect.bar-pick")).not_to_have_attribute("width", "0")
    else:
        local = [
            datetime.fromtimestamp(t + offset, UTC).strftime("%Y-%m-%dT%H:%M:%S") for t in wanted
        ]
        start_field.fill(local[0])
        end_field.fill(local[1])
        end_field.dispatch_event("change")
    pick = Pick(
        local_seconds(start_field.input_value(), offset),
        local_seconds(end_field.input_value(), offset),
    )
    # The drag lands within a second or two of the times aimed at, inside the recording.
    assert pick.start == pytest.approx(wanted[0], abs=2)
    assert pick.end == pytest.approx(wanted[1], abs=2)
    assert hub.recording[0] < pick.start < pick.end < hub.recording[1]
    return pick


def answer_on_the_hub(
    browser: Browser, sites: Sites, request_id: str, size: str, shots: Shots
) -> list[Pick]:
    """Step 2: the owner reviews and releases the event and a range. The picks."""
    hub = sites.hub
    context = signed_in_owner(browser, hub, size)
    page = context.new_page()
    page.goto(f"{hub.url}/", wait_until="domcontentloaded")
    nav = page.get_by_role("navigation", name="Main")
    requests_link = nav.get_by_role("link", name=re.compile(r"^Requests \(1\)"))
    expect(requests_link).to_be_visible()
    requests_link.click()
    page.wait_for_url(f"{hub.url}/requests")
    page.locator(f'a[href="/requests/{request_id}"]').click()
    page.wait_for_url(f"{hub.url}/requests/{request_id}")

    # The agency's words as filed, the area and the window.
    expect(
        page.get_by_role("heading", name=re.compile(f"^Request from {AGENCY_NAME}"))
    ).to_be_visible()
    expect(page.locator("blockquote.quoted")).to_have_text(DESCRIPTION)
    assert written_as_filed(page.locator("blockquote.quoted"))
    expect(page.get_by_text(CASE_NUMBER, exact=True)).to_be_visible()
    expect(page.get_by_text(CONTACT, exact=True)).to_be_visible()
    expect(page.locator("svg.area-map .area-shape")).to_have_count(1)
    window = page.locator("dt", has_text="Window").locator("xpath=following-sibling::dd[1]")
    expect(window.locator("time").first).to_have_attribute(
        "datetime", re.compile(utc_field(hub.window[0]))
    )
    expect(page.locator("#picked li")).to_have_text(["Nothing picked."])  # nothing pre-picked
    page.wait_for_function(
        "() => [...document.images].every((img) => img.complete)", timeout=10_000
    )
    shots.take(page, "hub-request")

    page.locator(f'input[name="event"][value="{EVENT_ID}"]').check()
    ranged = pick_range(page, sites, size)
    expect(page.locator("#picked li")).to_have_count(2)
    page.get_by_label("Owner password").fill(OWNER_PASSWORD)
    shots.take(page, "hub-picked")
    page.get_by_role("button", name="Release the selected footage").click()
    # (the form's #consent fragment is kept through the redirect)
    page.wait_for_url(re.compile(rf"{re.escape(hub.url)}/released/[0-9a-f-]+(#consent)?$"))
    found = re.search(r"/released/([0-9a-f-]+)", page.url)
    assert found is not None
    release_id = found.group(1)

    assert hub.desk.wait_idle(120), "the release did not finish in time"
    release = hub.desk.get_release(release_id)
    assert release is not None
    assert release.state is ReleaseState.DONE, release.error
    page.goto(f"{hub.url}/released/{release_id}", wait_until="domcontentloaded")
    expect(page.locator(".badge.release-state")).to_have_text("Done")
    expect(page.locator("table.clips tbody tr")).to_have_count(2)
    shots.take(page, "hub-released")
    context.close()
    event = Pick(
        max(hub.event[0] - PRE_S, hub.window[0]), min(hub.event[1] + POST_S, hub.window[1])
    )
    return [event, ranged]


def download_evidence(
    page: Page, sites: Sites, request_id: str, folder: Path, shots: Shots
) -> Path:
    """Step 3: the agency sees the release and downloads the package through the page."""
    page.goto(f"{sites.server.url}/agency/requests/{request_id}", wait_until="domcontentloaded")
    rows = page.locator("section[aria-labelledby=releases-title] tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("complete")
    shots.take(page, "agency-evidence")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the evidence package").click()
    download = info.value
    assert download.suggested_filename == f"evidence-{request_id}.zip"
    path = folder / download.suggested_filename
    download.save_as(path)
    return path


def frontporch_command() -> str:
    """The venv's `frontporch` (next to the Python running the tests)."""
    command = Path(sys.executable).parent / "frontporch"
    assert command.exists(), f"no {command}: run `make setup`"
    return str(command)


def probe(path: Path) -> dict[str, Any]:
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    probed: dict[str, Any] = json.loads(result.stdout)
    return probed


def check_masked(path: Path) -> int:
    """Every frame is black inside the privacy mask and shows the scene outside it; the
    number of frames."""
    xs = [x for x, _ in MASK]
    ys = [y for _, y in MASK]
    frames = 0
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            gray = frame.to_ndarray(format="gray")
            height, width = gray.shape
            left, right = int(min(xs) * width) + EDGE, int(max(xs) * width) - EDGE
            top, bottom = int(min(ys) * height) + EDGE, int(max(ys) * height) - EDGE
            inside = gray[max(top, 0) : bottom, left : min(right, width)]
            assert inside.size, "the mask covers no pixel"
            assert float(inside.mean()) < 10, f"frame {frames}: not black inside the mask"
            outside = gray[height // 2 :, : width // 2]
            assert float(outside.mean()) > 40, f"frame {frames}: the scene is missing"
            frames += 1
    return frames


def verify_package(package: Path, sites: Sites, picks: list[Pick], folder: Path) -> None:
    """Step 4: the verifier, the stock age tool, ffprobe and the pixels."""
    out = folder / "clips"
    result = subprocess.run(
        [
            frontporch_command(),
            "evidence",
            "verify",
            str(package),
            "--identity",
            str(sites.server.identity_file),
            "--log-key",
            sites.server.log_key,
            "--case-number",
            CASE_NUMBER,
            "--out",
            str(out),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert report["log"]["key_source"] == "--log-key"
    [release] = report["releases"]
    assert release["clips"] == 2

    unpacked = folder / "unpacked"
    with zipfile.ZipFile(package) as archive:
        archive.extractall(unpacked)
    manifest = json.loads(
        (unpacked / "releases" / release["release"] / "manifest.json").read_bytes()
    )
    assert len(manifest["clips"]) == len(picks)
    for clip in manifest["clips"]:
        start = datetime.fromisoformat(clip["start"]).timestamp()
        [pick] = [p for p in picks if abs(p.start - start) <= 1]
        assert clip["camera"] == CAMERA
        assert clip["masked"] is True
        sealed = unpacked / "releases" / release["release"] / clip["file"]
        plain = folder / clip["file"].removesuffix(".age")
        subprocess.run(
            [AGE, "-d", "-i", str(sites.server.identity_file), "-o", str(plain), str(sealed)],
            check=True,
            timeout=60,
        )
        written = out / release["release"] / plain.name
        assert plain.read_bytes() == written.read_bytes()  # age and the verifier agree

        probed = probe(plain)
        [stream] = [s for s in probed["streams"] if s["codec_type"] == "video"]
        assert stream["codec_name"] == "h264"
        assert "mp4" in probed["format"]["format_name"]
        duration = float(probed["format"]["duration"])
        assert duration == pytest.approx(pick.end - pick.start, abs=1.0), clip
        frames = check_masked(plain)
        assert frames == pytest.approx((pick.end - pick.start) * 15, abs=15)


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_a_request_is_filed_released_and_its_evidence_verifies(
    browser: Browser, sites: Sites, size: str, tmp_path: Path
) -> None:
    assert shutil.which("ffprobe"), "ffprobe is needed"
    shots = Shots(size)
    agency = signed_in_agency(browser, sites.server, size)
    page = agency.new_page()
    request_id = file_the_request(page, sites, shots)
    hub_received(sites, request_id)
    picks = answer_on_the_hub(browser, sites, request_id, size, shots)
    package = download_evidence(page, sites, request_id, tmp_path, shots)
    agency.close()
    verify_package(package, sites, picks, tmp_path)
