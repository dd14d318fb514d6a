"""Destination maps: format, loading, schema needs, the transform engine and the confirmation gate.

spec.py            the YAML format as pydantic models (tables, fields, lookups, value maps)
loader.py          YAML layers (`extends:`), run options, publisher prefix, validation
validate.py        source kinds and paths exist, references resolve, no lookup cycles
order.py           load order and parallel waves derived from the lookups
schema.py          what a map needs from the destination (tables, columns, keys, options)
custom_fields.py   practice-defined fields -> typed custom columns
compiler.py        a map + a RunContext -> CompiledMap of CompiledTable entries
codegen.py         the generated per-entry column filler (the per-record hot path)
relations.py       lookups (bind by key), owners, activity parties, post-create states
engine.py          CompiledTable.transform: records -> rows, rejections, skips
gate.py            proposals, confirm_map, require_confirmed (sha256 + who confirmed)
export.py          `operation: export` entries as CSV + JSON
proposer/          the column matcher and language-model assist (owned separately)
"""
