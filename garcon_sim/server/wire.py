"""The AWS JSON 1.0 edge: from an HTTP request to an operation and its parameters.

SWF's front end refuses, before the service sees anything, a request that names no operation or
an unknown one (`X-Amz-Target: SimpleWorkflowService.<Operation>`), a body that is not a JSON
object, a member of the wrong JSON type, and a request over 1 MB (headers included). Each refusal
is a `WireError` with the status and the `{"__type", "message"}` body botocore parses into a
ClientError. Members the model does not know are ignored and `null` reads as absent, as the
service does; the service's own validation (required members, lengths, enums) comes after.

The codes are those of AWS's JSON front end (`com.amazon.coral.service#...`); what SWF answers to
an oversized request is not recorded anywhere we know of: 413 RequestEntityTooLargeException is
our choice [INF].
"""
from __future__ import annotations

import json
from typing import Any

from botocore.model import Shape

from ..validation import swf_model

TARGET_PREFIX = "SimpleWorkflowService."
NAMESPACE = "com.amazon.coral.service"
JSON_CONTENT_TYPE = "application/x-amz-json-1.0"

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "blob": (str,), "boolean": (bool,), "integer": (int,), "long": (int,),
    "float": (int, float), "double": (int, float), "timestamp": (int, float),
    "structure": (dict,), "map": (dict,), "list": (list,),
}
"""The JSON value each model type takes on the wire (timestamps are epoch seconds)."""
_JSON_NAMES = {str: "a string", bool: "a boolean", int: "a number", float: "a number",
               dict: "an object", list: "a list"}


class WireError(Exception):
    """A request refused at the edge: an HTTP status, an error code and a message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, str]:
        return {"__type": f"{NAMESPACE}#{self.code}", "message": self.message}


def operation_of(target: bytes | None) -> str:
    """The SWF operation an `X-Amz-Target` header names."""
    if not target:
        raise WireError(400, "UnknownOperationException",
                        f"Missing X-Amz-Target header: name the operation as "
                        f"X-Amz-Target: {TARGET_PREFIX}<Operation>")
    text = target.decode("latin-1")
    operation = text.removeprefix(TARGET_PREFIX)
    if operation == text or operation not in swf_model().operation_names:
        raise WireError(400, "UnknownOperationException", f"Unknown operation {text}")
    return operation


def too_large(size: int, limit: int) -> WireError:
    return WireError(413, "RequestEntityTooLargeException",
                     f"Request of {size:,} bytes (headers included) is over SWF's limit of "
                     f"{limit:,} bytes")


def parse_params(operation: str, body: bytes) -> dict[str, Any]:
    """The request's parameters, refused when they are not JSON of the model's types."""
    try:
        params = json.loads(body) if body.strip() else {}
    except (ValueError, RecursionError) as error:
        reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        raise WireError(400, "SerializationException",
                        f"The request body is not JSON: {reason}") from None
    if type(params) is not dict:
        raise WireError(400, "SerializationException",
                        f"The request body must be a JSON object, not "
                        f"{_JSON_NAMES.get(type(params), 'null')}")
    shape = swf_model().operation_model(operation).input_shape
    problem = None if shape is None else _type_problem(shape, params, "")
    if problem is not None:
        raise WireError(400, "SerializationException", problem)
    return params


def _type_problem(shape: Shape, value: Any, path: str) -> str | None:
    """Where `value` first departs from the JSON types of `shape`, or None."""
    kind = shape.type_name
    allowed = _JSON_TYPES[kind]
    if type(value) not in allowed:
        return (f"Expected {_JSON_NAMES[allowed[0]]} at '{path or 'the top level'}', got "
                f"{_JSON_NAMES.get(type(value), 'null')}")
    if kind == "structure":
        for name, item in value.items():
            member = shape.members.get(name)
            if member is not None and item is not None:
                problem = _type_problem(member, item, f"{path}.{name}" if path else name)
                if problem is not None:
                    return problem
    elif kind in ("list", "map"):
        items = enumerate(value) if kind == "list" else value.items()
        inner = shape.member if kind == "list" else shape.value
        for key, item in items:
            if item is not None:
                problem = _type_problem(inner, item, f"{path}.{key}")
                if problem is not None:
                    return problem
    return None
