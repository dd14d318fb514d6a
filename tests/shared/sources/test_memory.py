"""The reader streams: peak memory for a file ten times larger stays about the same."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Reader = Callable[[Path], tuple[list[Any], list[Any], Any]]


def peak_bytes_reading(folder: Path, rows: int, read_dir: Any) -> int:
    folder.mkdir()
    with (folder / "patients.csv").open("w", encoding="utf-8") as out:
        out.write("Patient ID,First Name,Last Name,DOB,Town\n")
        for n in range(rows):
            out.write(f"P{n},Given{n % 97},Family{n},{1 + n % 28:02d}/03/1980,Town {n % 13}\n")
    from shared.sources.export import SourceReader

    read = SourceReader(read_dir).read(folder)
    tracemalloc.start()
    count = sum(1 for _ in read)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == rows
    return peak


@pytest.mark.slow
def test_peak_memory_does_not_grow_with_the_file(tmp_path: Path, mini_profile: Any) -> None:
    small = peak_bytes_reading(tmp_path / "small", 7_000, mini_profile)  # past the prefix
    large = peak_bytes_reading(tmp_path / "large", 35_000, mini_profile)  # 1.5 MB
    assert large < small * 1.2
