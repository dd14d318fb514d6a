"""`python -m cli durable` runs, lists, signals and purges instances on a local task hub."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.__main__ import main

APP = "tests.cli.durable_host.sample_app:app"


def test_run_follows_an_orchestration_to_completion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hub = str(tmp_path / "hub.sqlite")

    code = main(
        [
            "durable",
            "--hub",
            hub,
            "--app",
            APP,
            "run",
            "chain",
            "--input",
            "1",
            "--instance-id",
            "cli-run",
        ]
    )
    listed = main(["durable", "--hub", hub, "status"])

    out = capsys.readouterr().out
    assert (code, listed) == (0, 0)
    assert "started chain as cli-run" in out
    assert "cli-run  chain  Completed" in out


def test_raise_and_resume_finish_a_waiting_instance(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hub = str(tmp_path / "hub.sqlite")
    common = ["durable", "--hub", hub, "--app", APP]
    assert (
        main(
            [
                *common,
                "run",
                "stepped",
                "--input",
                '{"steps": 1}',
                "--instance-id",
                "w",
                "--timeout",
                "1",
            ]
        )
        == 1
    )  # still waiting for its event

    assert main([*common, "raise", "w", "Next"]) == 0
    assert main([*common, "resume"]) == 0
    assert main([*common, "purge", "w"]) == 0

    out = capsys.readouterr().out
    assert "w Running: {'step': 1}" in out
    assert "w  stepped  Completed" in out
    assert "purged 1 instance(s)" in out


def test_run_names_the_registered_orchestrators_when_one_is_unknown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["durable", "--hub", str(tmp_path / "h.sqlite"), "--app", APP, "run", "nope"])

    err = capsys.readouterr().err
    assert code == 2
    assert "'nope'" in err and "chain, " in err
