"""`frontporch log verify`: what it prints and its exit status (0 verified, 1 the log
failed a check, 2 usage or an unreachable server), against a staged log server."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from staged_log import ORIGIN, StagedLog, policy_entry, serving
from typer.testing import CliRunner

from frontporch.cli import app
from frontporch.cli_log import default_state_path
from frontporch.translog.note import Signer


@pytest.fixture
def staged() -> StagedLog:
    log = StagedLog()
    log.append(6)
    log.publish()
    return log


@pytest.fixture
def url(staged: StagedLog) -> Iterator[str]:
    with serving(staged) as base:
        yield base


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["log", "verify", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_pinned_key_then_growth_then_audit_and_inclusion(
    staged: StagedLog, url: str, tmp_path: Path
) -> None:
    state = str(tmp_path / "state.json")
    code, out, err = _run("--server", url, "--key", staged.verifier_key, "--state", state)
    assert code == 0, err
    assert f"log {ORIGIN}" in out
    assert "first checkpoint verified: 6 entries" in out
    assert "WARNING" not in err
    staged.append(4)
    staged.publish()
    leaf = base64.b64encode(staged.tree[7]).decode()
    code, out, err = _run("--server", url, "--state", state, "--audit", "--leaf-hash", leaf)
    assert code == 0, err
    assert "6 → 10 entries, consistent with the last one" in out
    assert "audited 10 entries; every entry up to 10 checked" in out
    assert f"entry 7 is in the log: leaf hash {leaf}" in out
    saved = json.loads(Path(state).read_text())
    assert saved["checkpoint"]["size"] == 10


def test_first_use_warns_and_says_how_to_pin(
    staged: StagedLog, url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    code, out, err = _run("--server", url)
    assert code == 0, err
    assert "trust on first use" in err
    assert staged.verifier_key in err
    assert "--key" in err
    port = url.rsplit(":", 1)[1]
    expected = tmp_path / "frontporch" / f"log-127.0.0.1-{port}.json"
    assert default_state_path(url) == expected
    assert f"state saved to {expected}" in out
    assert json.loads(expected.read_text())["verifier_keys"] == [staged.verifier_key]


def test_a_rewritten_log_exits_1_with_evidence_and_keeps_the_state(
    staged: StagedLog, url: str, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    assert _run("--server", url, "--key", staged.verifier_key, "--state", str(state))[0] == 0
    before = state.read_bytes()
    staged.rewrite(2, policy_entry(99))
    staged.append(1)
    staged.publish()
    code, _, err = _run("--server", url, "--state", str(state))
    assert code == 1
    assert "FAILED: the log at size 7 is not an extension of the size-6 checkpoint" in err
    assert state.read_bytes() == before
    evidence_files = list(tmp_path.glob("state.evidence-*.json"))
    assert len(evidence_files) == 1
    evidence = json.loads(evidence_files[0].read_text())
    assert evidence["new_checkpoint"] == staged.note.decode()
    assert evidence["verified_checkpoint"] == json.loads(before)["checkpoint"]["note"]


def test_another_key_exits_1(staged: StagedLog, url: str, tmp_path: Path) -> None:
    other = Signer.generate(ORIGIN).verifier.key_string
    code, _, err = _run("--server", url, "--key", other, "--state", str(tmp_path / "s.json"))
    assert code == 1
    assert "checkpoint signed by key" in err
    assert not (tmp_path / "s.json").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--entry", "1", "--leaf-hash", "AAAA"], "not both"),
        (["--leaf-hash", "not base64!"], "standard base64"),
        (["--key", "nonsense"], "--key: a verifier key looks like"),
    ],
)
def test_usage_errors_exit_2(url: str, tmp_path: Path, args: list[str], message: str) -> None:
    code, _, err = _run("--server", url, "--state", str(tmp_path / "s.json"), *args)
    assert code == 2
    assert message in err


def test_unreachable_server_and_damaged_state_exit_2(staged: StagedLog, tmp_path: Path) -> None:
    with serving(staged) as gone:
        pass
    code, _, err = _run(
        "--server", gone, "--key", staged.verifier_key, "--state", str(tmp_path / "x.json")
    )
    assert code == 2
    assert "cannot reach the log server" in err
    damaged = tmp_path / "damaged.json"
    damaged.write_text("{}")
    code, _, err = _run("--server", gone, "--state", str(damaged))
    assert code == 2
    assert "is damaged" in err
