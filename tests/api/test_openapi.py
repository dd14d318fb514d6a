"""docs/openapi.yaml describes exactly the HTTP routes the API blueprints register."""

from __future__ import annotations

from pathlib import Path

import yaml

from api.delta import bp as delta_bp
from api.housekeeping import bp as housekeeping_bp
from api.migrations import bp as migrations_bp
from api.report_links import bp as report_links_bp
from api.rollback import bp as rollback_bp
from api.signoff import bp as signoff_bp

OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


def registered_routes() -> set[tuple[str, str]]:
    routes = set()
    blueprints = (migrations_bp, report_links_bp, housekeeping_bp, rollback_bp, signoff_bp,
                  delta_bp)  # fmt: skip
    for blueprint in blueprints:
        for builder in blueprint._function_builders:
            trigger = builder._function.get_trigger()
            route = getattr(trigger, "route", None)
            if route is None:
                continue  # the timer
            for method in trigger.methods:
                routes.add((f"/{route}", str(getattr(method, "value", method))))
    return routes


def test_every_route_is_documented_and_every_documented_route_exists() -> None:
    paths = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))["paths"]
    documented = {(path, method.upper()) for path, ops in paths.items() for method in ops}
    assert registered_routes() == documented
