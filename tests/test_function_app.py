"""The Function App registers every activity and orchestrator the orchestrators call by name."""

from __future__ import annotations

from orchestrators import names


def test_every_named_activity_and_orchestrator_is_registered_with_its_trigger() -> None:
    from function_app import app

    # Azure calls activities and orchestrators by function name: they must match the names used.
    triggers = {
        f.get_function_name(): {b.type for b in f.get_bindings()} for f in app.get_functions()
    }
    assert all("activityTrigger" in triggers.get(name, set()) for name in names.ACTIVITIES)
    assert all("orchestrationTrigger" in triggers.get(name, set()) for name in names.ORCHESTRATORS)
