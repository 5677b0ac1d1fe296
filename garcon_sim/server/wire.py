"""The AWS JSON 1.0 edge: from an HTTP request to an operation and its parameters.

SWF's front end refuses, before the service sees anything, a request that names no operation or
an unknown one (`X-Amz-Target: SimpleWorkflowService.<Operation>`), a body that is not a JSON
object (NaN and Infinity are not JSON), a member of the wrong JSON type (`json_shapes`, the
check the history loader uses too), and a request over 1 MB (headers included). Each refusal is
a `WireError` with the status and the `{"__type", "message"}` body botocore parses into a
ClientError. Members the model does not know are ignored and `null` reads as absent, as the
service does; the service's own validation (required members, lengths, enums) comes after.

The codes are those of AWS's JSON front end (`com.amazon.coral.service#...`); what SWF answers to
an oversized request is not recorded anywhere we know of: 413 RequestEntityTooLargeException is
our choice [INF].
"""
from __future__ import annotations

import functools
import json
from typing import Any

from ..json_shapes import Check, Mismatch, Rules, compile_check, kind
from ..validation import swf_model

TARGET_PREFIX = "SimpleWorkflowService."
NAMESPACE = "com.amazon.coral.service"
JSON_CONTENT_TYPE = "application/x-amz-json-1.0"
EDGE_RULES = Rules(nulls_absent=True, required=False)
"""Types only: what else a request must be is the service's to say, in its own words."""


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
        params = _DECODER.decode(body.decode(json.detect_encoding(body), "surrogatepass")
                                 ) if body.strip() else {}
    except (ValueError, RecursionError) as error:
        reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        raise WireError(400, "SerializationException",
                        f"The request body is not JSON: {reason}") from None
    if type(params) is not dict:
        raise WireError(400, "SerializationException",
                        f"The request body must be a JSON object, not {kind(params)}")
    check = _request_check(operation)
    try:
        if check is not None:
            check(params)
    except Mismatch as mismatch:
        raise WireError(400, "SerializationException",
                        f"Wrong JSON type: {mismatch}") from None
    return params


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not a JSON number")


_DECODER = json.JSONDecoder(parse_constant=_not_json)
"""What `json.loads(body, parse_constant=_not_json)` would build anew at every call."""


@functools.cache
def _request_check(operation: str) -> Check | None:
    shape = swf_model().operation_model(operation).input_shape
    return None if shape is None else compile_check(shape, EDGE_RULES)
