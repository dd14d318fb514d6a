"""`python -m cli generate`: options, fault-rate parsing, benchmark subset, safe --out handling."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.__main__ import main
from cli.commands.generate import parse_fault_rates, parse_objects
from cli.synthetic.faults import FAULT_KINDS
from cli.synthetic.readback import load_manifest


def test_generates_only_the_requested_objects(tmp_path: Path, capsys) -> None:
    out = tmp_path / "bench"
    code = main(["generate", "--source", "core_practice", "--patients", "25", "--seed", "3",
                 "--out", str(out), "--objects", "patients,appointments"])  # fmt: skip
    assert code == 0
    files = load_manifest(out)["files"]
    assert set(files) == {"PatientListReport.xlsx", "AppointmentReport.xlsx"}
    assert files["PatientListReport.xlsx"]["rows"] == 25
    assert "rows in" in capsys.readouterr().out


def test_fault_rates_all_then_one_kind() -> None:
    rates = parse_fault_rates(["all=0.02", "missing_email=0.1"])
    assert rates == {**dict.fromkeys(FAULT_KINDS, 0.02), "missing_email": 0.1}


@pytest.mark.parametrize("bad", ["typo=0.1", "all=2", "missing_email"])
def test_bad_fault_rates_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match=r"fault|KEY=VALUE"):
        parse_fault_rates([bad])


def test_object_names_accept_plurals() -> None:
    assert parse_objects("patients, appointments,staff") == {"patient", "appointment", "staff"}


def test_unknown_object_for_a_source_is_an_error(tmp_path: Path, capsys) -> None:
    args = ["generate", "--source", "aerona", "--out", str(tmp_path / "x"), "--objects", "rx"]
    assert main(args) == 2
    assert "aerona exports no rx" in capsys.readouterr().err


def test_refuses_a_directory_it_did_not_write(tmp_path: Path, capsys) -> None:
    (tmp_path / "keep.txt").write_text("not ours")
    args = ["generate", "--source", "generic", "--patients", "5", "--out", str(tmp_path)]
    assert main(args) == 2
    assert main([*args, "--overwrite"]) == 2
    assert (tmp_path / "keep.txt").exists()
    assert "not replacing" in capsys.readouterr().err


def test_overwrites_its_own_earlier_export(tmp_path: Path) -> None:
    args = ["generate", "--source", "generic", "--patients", "5", "--out", str(tmp_path / "e")]
    assert main(args) == 0
    assert main(args) == 2
    assert main([*args, "--overwrite"]) == 0


def test_drop_two_with_default_changes(tmp_path: Path) -> None:
    out = tmp_path / "d2"
    assert main(["generate", "--source", "drdentes", "--patients", "40", "--out", str(out),
                 "--drop", "2"]) == 0  # fmt: skip
    kinds = {change["change"] for change in load_manifest(out)["changes"]}
    assert {"new_patient", "deleted_patient"} <= kinds
