"""Where a filled task's arguments come from: a key of the context, or a fixed value.

`task.fill(country_id='generator.country_id')` is shorthand for
`task.fill(country_id=Param('generator.country_id'))`. Params also tell the runtime which
context keys an activity reads, so that only those travel in its input.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any


class UnknownParamException(TypeError):
    """A fill() value that is neither a context key (str) nor a param object."""


class BaseParam:
    """A source for one task argument. Subclasses name the context keys they read."""

    @property
    def requirements(self) -> Iterator[str]:
        return iter(())

    def get_data(self, context: dict) -> Any:
        raise NotImplementedError


class Param(BaseParam):
    """The value of `context_key` in the activity's context (None when absent)."""

    def __init__(self, context_key: str):
        self.context_key = context_key

    @property
    def requirements(self) -> Iterator[str]:
        yield self.context_key

    def get_data(self, context: dict) -> Any:
        return context.get(self.context_key)

    def __repr__(self) -> str:
        return f"Param({self.context_key!r})"


class StaticParam(BaseParam):
    """A fixed value, read from nowhere."""

    def __init__(self, value: Any):
        self.value = value

    def get_data(self, context: dict) -> Any:
        return self.value

    def __repr__(self) -> str:
        return f"StaticParam({self.value!r})"


def parametrize(requirement: str | BaseParam) -> BaseParam:
    """A param for a fill() value: strings are context keys."""
    if isinstance(requirement, str):
        return Param(requirement)
    if isinstance(requirement, BaseParam):
        return requirement
    raise UnknownParamException(
        f"fill() takes context keys (str) or param objects, not {type(requirement).__name__}")


def get_all_requirements(params: Iterable[BaseParam]) -> list[str]:
    """The context keys that `params` read, in order, without repeats."""
    return list(dict.fromkeys(key for param in params for key in param.requirements))
