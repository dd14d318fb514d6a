"""Destination maps: the YAML format, loading with per-pair layers, schema needs, the engine
that turns canonical records into destination payloads, and the confirmation gate."""
