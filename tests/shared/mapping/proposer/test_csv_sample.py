"""Sampling exports: Turkish legacy encoding, ';' delimiters, title rows, whole-file counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.mapping.proposer import csv_sample
from shared.mapping.proposer.csv_sample import count_values, read_csv_sample

CASES = Path(__file__).parent / "cases"


def test_windows_1254_export_reads_turkish_headers_intact() -> None:
    sample = read_csv_sample(CASES / "tr_drdentes_hastalar.csv")
    assert sample.delimiter == ";"
    assert "Doğum Tarihi" in sample.headers and "Yakınının Tel." in sample.headers
    assert sample.encoding.lower().replace("_", "") in {"cp1254", "windows1254"}


def test_report_title_row_above_the_header_is_skipped() -> None:
    sample = read_csv_sample(CASES / "au_core_practice_patients.csv", max_rows=5)
    assert sample.header_row == 2
    assert sample.headers[:3] == ["Patient", "DOB", "Sex"]
    assert len(sample.rows) == 5


def test_value_counts_cover_the_whole_file_not_just_the_sample(tmp_path: Path) -> None:
    path = tmp_path / "appts.csv"
    statuses = ["Attended"] * 250 + ["DNA"] * 40 + ["Cancelled"] * 10
    path.write_text("Id,Status\n" + "".join(f"{i},{s}\n" for i, s in enumerate(statuses)))
    sample = read_csv_sample(path, max_rows=20)
    assert len(sample.rows) == 20
    (counts,) = count_values(path, sample, [1])
    assert counts == {"Attended": 250, "DNA": 40, "Cancelled": 10}


def test_a_row_cut_by_the_sample_head_is_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "notes.csv"
    path.write_text('Id,Note\n1,"first note"\n2,"second note that goes on"\n', encoding="utf-8")
    monkeypatch.setattr(csv_sample, "HEAD_BYTES", len('Id,Note\n1,"first note"\n2,"second'))
    sample = csv_sample.read_csv_sample(path)
    assert sample.rows == [["1", "first note"]]
