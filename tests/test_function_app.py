"""The Function App registers every activity and orchestrator the orchestrators call by name."""

from __future__ import annotations

from orchestrators import names


def test_every_named_activity_and_orchestrator_is_registered() -> None:
    from function_app import app

    registered = {function.get_function_name() for function in app.get_functions()}
    assert set(names.ACTIVITIES) <= registered
    assert set(names.ORCHESTRATORS) <= registered


def test_activities_and_orchestrators_carry_the_right_triggers() -> None:
    from function_app import app

    triggers = {
        f.get_function_name(): {b.type for b in f.get_bindings()} for f in app.get_functions()
    }
    assert all("activityTrigger" in triggers[name] for name in names.ACTIVITIES)
    assert all("orchestrationTrigger" in triggers[name] for name in names.ORCHESTRATORS)
