"""Writes a complete synthetic export for one source, streaming one patient at a time."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from cli.synthetic import streams
from cli.synthetic.activity import fill_history
from cli.synthetic.changes import ChangePlan
from cli.synthetic.errors import OptionError
from cli.synthetic.faults import FaultConfig, FaultInjector
from cli.synthetic.files import document_bytes, write_document
from cli.synthetic.layouts import make_layout
from cli.synthetic.layouts.base import Layout, Row
from cli.synthetic.locales import Country, build_locale_pack
from cli.synthetic.manifest import ManifestWriter
from cli.synthetic.model import Bundle, Document, Practice
from cli.synthetic.people import households
from cli.synthetic.practice import build_practice
from cli.synthetic.sinks import Sink, open_sink

DEFAULT_AS_OF = date(2026, 11, 20)


@dataclass(frozen=True)
class GenerateOptions:
    """Everything that decides an export's bytes (same options -> same bytes)."""

    source: str
    patients: int
    seed: int
    out: Path
    faults: FaultConfig = field(default_factory=FaultConfig)
    objects: frozenset[str] | None = None  # object kinds to write; None = all of the source's
    as_of: date = DEFAULT_AS_OF
    country: Country | None = None
    drop: int = 1
    changes: ChangePlan | None = None


def generate_export(options: GenerateOptions) -> dict[str, int]:
    """Write the export and its `_manifest.json`; returns rows written per file."""
    layout = make_layout(options.source, options.country)
    kinds = _kinds(layout, options.objects)
    # Every drop describes the same practice as of the same day; only the export date moves,
    # so drop 2 differs from drop 1 by exactly the planned changes.
    as_of = options.as_of
    exported = datetime.combine(as_of + timedelta(days=options.drop - 1), time(18, 0))
    pack = build_locale_pack(layout.country, options.seed)
    practice = build_practice(
        streams.stream(options.seed, 0, streams.PRACTICE), pack, layout.ids, layout.codes(), as_of
    )
    people = layout.people_spec(as_of)
    activity = layout.activity_spec(as_of, kinds)
    injector = FaultInjector(
        options.faults,
        options.seed,
        layout.fault_targets(),
        layout.ids,
        layout.language,
        activity.kinds,
    )
    if layout.fault_targets().identifier == "none":
        injector.corrupt_practitioners(practice)
    options.out.mkdir(parents=True, exist_ok=True)
    manifest = ManifestWriter(options, layout, exported)
    subtitle = layout.subtitle(practice, exported)
    sinks: dict[str, Sink] = {
        spec.name: open_sink(options.out / spec.name, spec, subtitle)
        for spec in layout.files
        if spec.kind in kinds
    }
    writer = _RowWriter(layout, sinks, manifest)
    try:
        writer.write_all(layout.practice_rows(practice))
        plan = options.changes if options.drop > 1 and options.changes else ChangePlan()
        total = options.patients + plan.new_patients
        for household in households(options.seed, people, pack, practice, layout.ids, 1, total):
            for patient in household.patients:
                if plan.deletes(patient, manifest):
                    continue
                related = [r for r in household.related if r.patient_id == patient.id]
                bundle = Bundle(patient, related=related)
                rng = streams.stream(options.seed, patient.number, streams.HISTORY)
                fill_history(rng, bundle, activity, practice, layout.ids)
                duplicate, orphan = injector.apply(bundle)
                plan.apply(bundle, options.patients, manifest, layout.ids)
                _write_documents(options, layout, bundle, rng)
                writer.write_all(layout.bundle_rows(bundle, practice))
                if duplicate is not None:
                    writer.write_only(layout, Bundle(duplicate), practice, duplicate)
                if orphan is not None:
                    extra = Bundle(patient, appointments=[orphan])
                    writer.write_only(layout, extra, practice, orphan)
    finally:
        for sink in sinks.values():
            sink.close()
    rows = {name: sink.rows for name, sink in sinks.items()}
    manifest.finish(rows, practice)
    return rows


class _RowWriter:
    def __init__(self, layout: Layout, sinks: dict[str, Sink], manifest: ManifestWriter) -> None:
        self._sinks = sinks
        self._manifest = manifest
        self._specs = {spec.name: spec for spec in layout.files}

    def write_all(self, rows: Iterable[Row]) -> None:
        sinks = self._sinks
        for name, cells, record in rows:
            sink = sinks.get(name)
            if sink is None:
                continue
            number = sink.write(cells)
            faults = getattr(record, "faults", None)
            if faults:
                self._manifest.record_faults(self._specs[name], number, record)

    def write_only(
        self, layout: Layout, bundle: Bundle, practice: Practice, record: object
    ) -> None:
        self.write_all(r for r in layout.bundle_rows(bundle, practice) if r[2] is record)


def _write_documents(
    options: GenerateOptions, layout: Layout, bundle: Bundle, rng: random.Random
) -> None:
    for document in bundle.documents:
        content = document_bytes(document.extension, f"{document.title} {document.id}", rng)
        size = _oversize(document, options.faults.oversize_bytes, rng)
        path = options.out / layout.document_path(
            document.patient_id, document.id, document.extension
        )
        document.size = write_document(path, content, size)


def _oversize(document: Document, threshold: int, rng: random.Random) -> int | None:
    """Oversized files get a size a little above the threshold (padded; sparse on disk)."""
    if not document.oversized:
        return None
    return threshold + 1 + rng.randrange(max(1, threshold // 4))


def _kinds(layout: Layout, objects: frozenset[str] | None) -> frozenset[str]:
    available = {spec.kind for spec in layout.files}
    if objects is None:
        return frozenset(available)
    unknown = objects - available
    if unknown:
        raise OptionError(
            f"{layout.source} exports no {', '.join(sorted(unknown))}; "
            f"choose from {', '.join(sorted(available))}"
        )
    return frozenset(objects)
