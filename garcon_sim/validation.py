"""Server-side request validation, as SWF does it, driven by botocore's service model.

botocore checks required members, types and minimum lengths before it sends anything. SWF
checks again and also enforces maximum lengths and values, enum values, duration strings and
the character rules of ids, and answers `ValidationException` with every problem found
("2 validation errors detected: Value ... at 'decisions.1.member...' failed to satisfy
constraint: ..."). The constraints are the model's; the sizes garcon.limits owns replace the
model's (`SHAPE_LIMITS`) so that `Simulator(limits=...)` changes them. Where the model's
documentation says a name "must not start or end with whitespace" (a domain's, an activity's
or a child's task list), that is checked too. Every string must be Unicode text that UTF-8 can
carry, as a request on the wire is: a lone surrogate (which JSON's "\ud800" escape makes) is
refused. And a request must fit SWF's 1 MB, headers included (`limits.request_bytes`), worked
out as botocore sends it: its JSON body plus `garcon.limits.REQUEST_HEADER_BYTES` (unless
`estimate_size` is off: `garcon-sim serve` measures the bytes it receives instead). Only
operations with a list of unbounded length can reach that size (every other field has a
maximum), so only their requests are measured. A checker is compiled once per shape into nested
closures, so validating a request costs one call per present field.
"""
from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any

from botocore.loaders import Loader
from botocore.model import ListShape, ServiceModel, Shape, StructureShape

from garcon.limits import REQUEST_HEADER_BYTES, SWFLimits, invalid_identifier

from .errors import ValidationException, validation_error

Problems = list[tuple[object, str, str]]
Check = Callable[[Any, str, Problems], None]

SHAPE_LIMITS = {
    # model shape: SWFLimits field bounding its length (or, for PageSize, its value)
    "Data": "data", "LimitedData": "heartbeat_details",
    "FailureReason": "reason", "TerminateReason": "reason",
    "Identity": "identity", "Description": "description",
    "Version": "version", "VersionOptional": "version",
    "WorkflowId": "identifier", "ActivityId": "identifier", "TimerId": "identifier",
    "MarkerName": "identifier", "SignalName": "identifier", "DomainName": "identifier",
    "Name": "identifier",
    "WorkflowRunId": "run_id", "WorkflowRunIdOptional": "run_id",
    "TaskToken": "task_token", "PageToken": "page_token",
    "DurationInSeconds": "duration", "DurationInSecondsOptional": "duration",
    "Tag": "tag", "TagList": "tags", "PageSize": "page_size",
}
IDENTIFIER_SHAPES = frozenset({"WorkflowId", "ActivityId", "TimerId", "DomainName", "Name",
                               "Version"})
"""Ids and names that must not contain ':', '/', '|', control characters, nor be "arn"."""
DURATION_SHAPES = frozenset({"DurationInSeconds", "DurationInSecondsOptional"})
NO_NONE_MEMBERS = frozenset({"executionStartToCloseTimeout",
                             "defaultExecutionStartToCloseTimeout", "startToFireTimeout"})
"""Durations that must be a number of seconds: a workflow cannot run forever, nor a timer."""
PRIORITY_RANGE = (-2**31, 2**31 - 1)
EDGE_WHITESPACE_RULE = "must not start or end with whitespace"
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
"""Halves of UTF-16 pairs: a Python string may hold one alone (JSON's "\ud800" makes one);
UTF-8 cannot."""

_identifier_problem = functools.lru_cache(maxsize=4096)(invalid_identifier)
"""garcon.limits' rule, remembered: the same domains, lists and ids come back on every call."""


@functools.cache
def swf_model() -> ServiceModel:
    """botocore's service model for swf (loaded once per process)."""
    return ServiceModel(Loader().load_service_model("swf", "service-2"), "swf")


@functools.cache
def edge_whitespace_members() -> frozenset[tuple[str, str]]:
    """(structure, member) pairs whose documentation says the value must not start or end
    with whitespace."""
    shapes = Loader().load_service_model("swf", "service-2")["shapes"]
    return frozenset((name, member) for name, shape in shapes.items()
                     for member, reference in shape.get("members", {}).items()
                     if EDGE_WHITESPACE_RULE in reference.get("documentation", ""))


def lone_surrogate(text: str) -> str | None:
    """The lone surrogate that keeps `text` from being written as UTF-8, said as "a lone
    surrogate (U+D800 at character 3)"; None when there is none."""
    found = None if text.isascii() else LONE_SURROGATE.search(text)
    if found is None:
        return None
    return f"a lone surrogate (U+{ord(found.group()):04X} at character {found.start() + 1})"


def request_size(params: dict[str, Any]) -> int:
    """The bytes of a request as botocore sends it: `json.dumps` of its parameters (botocore's
    own call: ASCII, default separators), and its headers."""
    return len(json.dumps(params)) + REQUEST_HEADER_BYTES


def _unbounded_list(shape: Shape, seen: frozenset[str] = frozenset()) -> bool:
    if isinstance(shape, ListShape):
        return "max" not in shape.metadata or _unbounded_list(shape.member, seen)
    if isinstance(shape, StructureShape):
        return any(_unbounded_list(sub, seen | {sub.name})
                   for sub in shape.members.values() if sub.name not in seen)
    return False


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


class RequestValidator:
    """`validate(operation, params)` for one service; `estimate_size=False` leaves the size of
    requests to a shell that measures their bytes."""

    def __init__(self, limits: SWFLimits, *, estimate_size: bool = True) -> None:
        self._limits = limits
        self._estimate_size = estimate_size
        self._model = swf_model()
        self._operations: dict[str, Check | None] = {}
        self._measured: dict[str, bool] = {}
        self._shapes: dict[tuple[str, str, bool], Check | None] = {}
        self._trimmed = edge_whitespace_members()

    def validate(self, operation: str, params: dict[str, Any]) -> None:
        """Raise ValidationException listing every constraint `params` breaks (or saying the
        request is over SWF's size)."""
        if operation not in self._operations:
            shape = self._model.operation_model(operation).input_shape
            self._operations[operation] = self._compile(shape, "") if shape else None
            self._measured[operation] = (self._estimate_size and shape is not None
                                         and _unbounded_list(shape))
        if self._measured[operation]:
            size = request_size(params)
            if size > self._limits.request_bytes:
                raise ValidationException(
                    f"Request of {size:,} bytes (headers included) is over the "
                    f"{self._limits.request_bytes:,}-byte limit of an SWF request")
        check = self._operations[operation]
        if check is not None:
            problems: Problems = []
            check(params, "", problems)
            if problems:
                raise validation_error(problems)

    def _compile(self, shape: Shape, member: str, trimmed: bool = False) -> Check | None:
        """The check of a value of `shape`, found under `member`; `trimmed` when its strings
        must not start or end with whitespace."""
        key = (shape.name, member if shape.type_name == "string" else "", trimmed)
        if key not in self._shapes:
            self._shapes[key] = None  # placeholder: the model's input shapes are not recursive
            if isinstance(shape, StructureShape):
                self._shapes[key] = self._structure(shape, trimmed)
            elif isinstance(shape, ListShape):
                self._shapes[key] = self._list(shape)
            elif shape.type_name == "string":
                self._shapes[key] = self._string(shape, member, trimmed)
            elif shape.type_name == "integer":
                self._shapes[key] = self._integer(shape)
        return self._shapes[key]

    def _bound(self, shape: Shape) -> int | None:
        field = SHAPE_LIMITS.get(shape.name)
        return getattr(self._limits, field) if field else shape.metadata.get("max")

    def _structure(self, shape: StructureShape, trimmed: bool) -> Check | None:
        required = tuple(shape.required_members)
        members = {name: self._compile(sub, name,
                                       trimmed or (shape.name, name) in self._trimmed)
                   for name, sub in shape.members.items()}
        members = {name: check for name, check in members.items() if check is not None}
        if not members and not required:
            return None

        def check(value: Any, path: str, problems: Problems) -> None:
            if not isinstance(value, dict):
                return
            for name in required:
                if value.get(name) is None:
                    problems.append((None, _join(path, name), "Member must not be null"))
            for name, item in value.items():  # only what is there: most members are not
                sub = members.get(name)
                if sub is not None and item is not None:
                    sub(item, _join(path, name), problems)

        return check

    def _list(self, shape: ListShape) -> Check | None:
        item_check = self._compile(shape.member, "")
        longest = self._bound(shape)
        if item_check is None and longest is None:
            return None

        def check(value: Any, path: str, problems: Problems) -> None:
            if not isinstance(value, list):
                return
            if longest is not None and len(value) > longest:
                problems.append((value, path,
                                 f"Member must have length less than or equal to {longest}"))
            if item_check is not None:
                for index, item in enumerate(value, start=1):
                    if item is not None:
                        item_check(item, f"{path}.{index}.member", problems)

        return check

    def _string(self, shape: Shape, member: str, trimmed: bool) -> Check:
        longest = self._bound(shape)
        shortest = shape.metadata.get("min", 0)
        enum = shape.enum or None
        identifier = shape.name in IDENTIFIER_SHAPES
        duration = shape.name in DURATION_SHAPES
        allow_none = (duration and member not in NO_NONE_MEMBERS
                      and shape.name != "DurationInSeconds")
        priority = shape.name == "TaskPriority"
        ceiling = self._limits.longest_timeout_seconds

        def check(value: Any, path: str, problems: Problems) -> None:
            if not isinstance(value, str):
                return
            if not value.isascii() and (surrogate := lone_surrogate(value)):
                problems.append((value, path, f"Member must be Unicode text, not hold "
                                 f"{surrogate}"))
            if longest is not None and len(value) > longest:
                problems.append((value, path,
                                 f"Member must have length less than or equal to {longest}"))
            if trimmed and value != value.strip():
                problems.append((value, path, f"Member {EDGE_WHITESPACE_RULE}"))
            if len(value) < shortest:
                problems.append((value, path,
                                 f"Member must have length greater than or equal to {shortest}"))
            if enum and value not in enum:
                problems.append((value, path,
                                 f"Member must satisfy enum value set: [{', '.join(enum)}]"))
            if identifier and value and (reason := _identifier_problem(value)):
                problems.append((value, path, f"Member {reason}"))
            if duration and value:
                if value == "NONE":
                    if not allow_none:
                        problems.append((value, path, "Member must be a number of seconds"))
                elif not value.isdigit() or int(value) > ceiling:
                    problems.append((value, path, "Member must be a whole number of seconds "
                                     f"from 0 to {ceiling}" + (", or NONE" if allow_none else "")))
            if priority and not _is_priority(value):
                problems.append((value, path, "Member must be an integer from "
                                 f"{PRIORITY_RANGE[0]} to {PRIORITY_RANGE[1]}"))

        return check

    def _integer(self, shape: Shape) -> Check | None:
        highest = self._bound(shape)
        lowest = shape.metadata.get("min")

        def check(value: Any, path: str, problems: Problems) -> None:
            if not isinstance(value, int):
                return
            if highest is not None and value > highest:
                problems.append((value, path,
                                 f"Member must have value less than or equal to {highest}"))
            if lowest is not None and value < lowest:
                problems.append((value, path,
                                 f"Member must have value greater than or equal to {lowest}"))

        return check if highest is not None or lowest is not None else None


def _is_priority(value: str) -> bool:
    try:
        number = int(value)
    except ValueError:
        return False
    return PRIORITY_RANGE[0] <= number <= PRIORITY_RANGE[1]


class ClientCheck:
    """A fast yes/no on whether botocore's client-side validator would accept parameters.

    botocore's validator is exact but slow; this compiled check accepts only what it accepts
    (known members, required members present, right types, minimum lengths and values) so the
    direct client can call botocore only to word the error of parameters that fail here.
    Operations with timestamp members always go to botocore (`compiled` returns None).
    """

    def __init__(self) -> None:
        self._model = swf_model()
        self._checks: dict[str, Callable[[Any], bool] | None] = {}

    def accepts(self, operation: str, params: dict[str, Any]) -> bool | None:
        """True or False when decided here, None when botocore must decide."""
        if operation not in self._checks:
            shape = self._model.operation_model(operation).input_shape
            self._checks[operation] = _client_check(shape) if shape else None
        check = self._checks[operation]
        return None if check is None else check(params)


def _client_check(shape: Shape) -> Callable[[Any], bool] | None:
    kind = shape.type_name
    if kind == "structure":
        members = {}
        for name, sub in shape.members.items():
            check = _client_check(sub)
            if check is None:
                return None
            members[name] = check
        required = tuple(shape.required_members)

        def structure(value: Any) -> bool:
            if type(value) is not dict:
                return False
            for name in required:
                if name not in value:
                    return False
            for name, item in value.items():
                check = members.get(name)
                if check is None or not check(item):
                    return False
            return True

        return structure
    if kind == "list":
        item_check = _client_check(shape.member)
        if item_check is None:
            return None
        shortest = shape.metadata.get("min", 0)
        return lambda value: (isinstance(value, (list, tuple)) and len(value) >= shortest
                              and all(item_check(item) for item in value))
    if kind == "string":
        shortest = shape.metadata.get("min", 0)
        return lambda value: type(value) is str and len(value) >= shortest
    if kind == "integer":
        lowest = shape.metadata.get("min")
        return lambda value: (isinstance(value, int)
                              and (lowest is None or value >= lowest))
    if kind == "boolean":
        return lambda value: isinstance(value, bool)
    return None
