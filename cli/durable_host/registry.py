"""Finds the orchestrators, activities and client functions registered on a DFApp/Blueprint."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from azure.durable_functions.constants import (
    ACTIVITY_TRIGGER,
    DURABLE_CLIENT,
    ORCHESTRATION_TRIGGER,
)
from azure.functions.decorators.function_app import DecoratorApi, Function


class UnknownFunctionError(LookupError):
    """No function of that kind and name is registered on the app."""


@dataclass(frozen=True)
class ActivityFunction:
    """A registered activity: the user function and the name of its input parameter."""

    name: str
    func: Callable[..., Any]
    input_name: str


@dataclass(frozen=True)
class ClientFunction:
    """A function with a durable client binding (HTTP or timer trigger)."""

    name: str
    func: Callable[..., Any]
    trigger_arg: str
    client_arg: str


class FunctionRegistry:
    """The app's durable surface, looked up by function name like the Functions host does."""

    def __init__(self, containers: Iterable[DecoratorApi]) -> None:
        self.orchestrators: dict[str, Callable[[Any], str]] = {}
        self.activities: dict[str, ActivityFunction] = {}
        self.clients: dict[str, ClientFunction] = {}
        for container in containers:
            for builder in container._function_builders:
                self._add(builder._function)

    @classmethod
    def of(cls, app: DecoratorApi | Iterable[DecoratorApi]) -> FunctionRegistry:
        """Registry for a DFApp, a Blueprint, or several of them."""
        containers = [app] if isinstance(app, DecoratorApi) else list(app)
        return cls(containers)

    def _add(self, function: Function) -> None:
        trigger = function.get_trigger()
        if trigger is None:
            return
        name = function.get_function_name() or function._name
        trigger_type = trigger.get_binding_name()
        if trigger_type == ORCHESTRATION_TRIGGER:
            for alias in {name, getattr(trigger, "orchestration", None) or name}:
                self.orchestrators[alias] = function.get_user_function()
        elif trigger_type == ACTIVITY_TRIGGER:
            activity = ActivityFunction(name, function.get_user_function(), trigger.name)
            for alias in {name, getattr(trigger, "activity", None) or name}:
                self.activities[alias] = activity
        else:
            client = next(
                (b for b in function.get_bindings() if b.get_binding_name() == DURABLE_CLIENT),
                None,
            )
            if client is not None:
                user = function.get_user_function()
                # durable_client_input wraps user code; the original keeps the client parameter.
                original = getattr(user, "client_function", user)
                self.clients[name] = ClientFunction(name, original, trigger.name, client.name)

    def orchestrator(self, name: str) -> Callable[[Any], str]:
        """The SDK's orchestrator handle (context JSON in, state JSON out) for `name`."""
        try:
            return self.orchestrators[name]
        except KeyError:
            raise UnknownFunctionError(f"no orchestrator named {name!r} is registered") from None

    def activity(self, name: str) -> ActivityFunction:
        """The activity registered as `name`."""
        try:
            return self.activities[name]
        except KeyError:
            raise UnknownFunctionError(f"no activity named {name!r} is registered") from None

    def client_function(self, name: str) -> ClientFunction:
        """The client (HTTP/timer) function registered as `name`."""
        try:
            return self.clients[name]
        except KeyError:
            raise UnknownFunctionError(f"no client function named {name!r} is registered") from None
