"""Two faces of one simulated service: a genuine boto3 client, and a faster direct one.

`wire_client` builds a real `boto3.client("swf")` whose requests never leave the process: a
`before-send` handler hands each serialised request to the service and returns SWF's JSON
answer (or its HTTP 400 error body) as the HTTP response, so botocore validates, serialises and
parses exactly as it does against AWS. `DirectClient` has the same methods, keyword arguments,
answers and errors, without the JSON round trip: botocore's own validator checks the
parameters, answers are copied (so callers cannot change the history), and faults become the
very `ClientError` subclasses botocore would raise, parsed by botocore's own parser.

The clients of one simulator may be shared by threads (a worker polling in several): the
service answers their calls one at a time.
"""
from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import boto3
from botocore import xform_name
from botocore.awsrequest import AWSResponse
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError
from botocore.paginate import Paginator
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from botocore.validate import ParamValidator

from .clock import to_millis
from .errors import SWFFault
from .service import SWFService
from .validation import ClientCheck, swf_model

REGION = "us-east-1"
ENDPOINT = f"https://swf.{REGION}.amazonaws.com"
CONTENT_TYPE = "application/x-amz-json-1.0"
TIME_FILTERS = ("startTimeFilter", "closeTimeFilter")


def _epoch_seconds(value: object) -> float:
    """JSON encoder hook: datetimes go on the wire as epoch seconds with 3 decimals."""
    if isinstance(value, datetime):
        return to_millis(value) / 1000
    raise TypeError(f"cannot send {value!r} on the wire")


class RequestIds:
    """Deterministic x-amzn-RequestId values, shared by the clients of one simulator."""

    def __init__(self) -> None:
        self._count = itertools.count(1)

    def next(self) -> str:
        number = next(self._count)
        return f"00000000-0000-4000-8000-{number:012d}"


def _headers(request_id: str, length: int) -> dict[str, str]:
    return {"x-amzn-requestid": request_id, "content-type": CONTENT_TYPE,
            "content-length": str(length)}


class _Body:
    """The `raw` of an AWSResponse: botocore reads it through `stream()`."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


def wire_answer(service: SWFService, operation: str, params: dict[str, Any]
                ) -> tuple[int, dict[str, Any]]:
    """What SWF answers to one call on the wire: an HTTP status and the JSON body (a fault's
    `{"__type", "message"}` body with its status)."""
    try:
        return 200, service.call(operation, params)
    except SWFFault as fault:
        return fault.status, fault.body()


def wire_body(body: dict[str, Any]) -> bytes:
    """An answer's JSON bytes, timestamps as epoch seconds (what botocore parses)."""
    return json.dumps(body, default=_epoch_seconds).encode()


def wire_client(service: SWFService, request_ids: RequestIds,
                one_call_at_a_time: threading.Lock) -> BaseClient:
    """A real boto3 swf client answered in-process by `service`; `one_call_at_a_time` is the
    lock the clients of one service share, held while it answers."""
    session = boto3.session.Session(aws_access_key_id="garcon-sim",
                                    aws_secret_access_key="garcon-sim", region_name=REGION)
    client = session.client("swf", endpoint_url=ENDPOINT,
                            config=Config(retries={"total_max_attempts": 1}))

    def before_send(request: Any, **_: Any) -> AWSResponse:
        target = request.headers["X-Amz-Target"]
        if isinstance(target, bytes):
            target = target.decode()
        body = request.body or b"{}"
        with one_call_at_a_time:  # the answer refers to the service's state: encode it here
            status, answered = wire_answer(service, target.rpartition(".")[2], json.loads(body))
            data = wire_body(answered)
            request_id = request_ids.next()
        return AWSResponse(request.url, status, _headers(request_id, len(data)), _Body(data))

    client.meta.events.register("before-send.swf", before_send)
    return client


_reference: BaseClient | None = None


def _reference_client() -> BaseClient:
    """A boto3 swf client that is never called: the source of `.exceptions` and paginators."""
    global _reference
    if _reference is None:
        _reference = boto3.session.Session(
            aws_access_key_id="garcon-sim", aws_secret_access_key="garcon-sim",
            region_name=REGION).client("swf", endpoint_url=ENDPOINT)
    return _reference


def _copy(value: Any) -> Any:
    """A deep copy of JSON-like data (datetimes are immutable and shared)."""
    kind = type(value)
    if kind is dict:
        return {key: _copy(item) for key, item in value.items()}
    if kind is list:
        return [_copy(item) for item in value]
    return value


def _copy_event(event: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of one history event, the bulk of most answers, without recursion: its
    attributes hold strings, numbers, flat objects (taskList, workflowType, ...) and tagList."""
    copied = {}
    for key, value in event.items():
        if type(value) is dict:
            value = {name: (item.copy() if type(item) is dict else
                            list(item) if type(item) is list else item)
                     for name, item in value.items()}
        copied[key] = value
    return copied


def _copy_answer(answer: dict[str, Any]) -> dict[str, Any]:
    if "events" not in answer:
        return _copy(answer)
    copied = {key: _copy(value) for key, value in answer.items() if key != "events"}
    copied["events"] = [_copy_event(event) for event in answer["events"]]
    return copied


class DirectClient:
    """boto3's swf client API answered by the simulator without any serialisation."""

    def __init__(self, service: SWFService, request_ids: RequestIds,
                 one_call_at_a_time: threading.Lock) -> None:
        self._service = service
        self._request_ids = request_ids
        self._one_call_at_a_time = one_call_at_a_time
        self._validator = ParamValidator()
        self._client_check = ClientCheck()
        self._model = swf_model()
        self._timestamps = create_serializer("json", include_validation=False)
        self._parser = create_parser("json")
        reference = _reference_client()
        self.exceptions = reference.exceptions
        self.meta = reference.meta

    def _call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        operation_model = self._model.operation_model(operation)
        if not self._client_check.accepts(operation, params):
            report = self._validator.validate(params, operation_model.input_shape)
            if report.has_errors():
                raise ParamValidationError(report=report.generate_report())
        for name in TIME_FILTERS:
            if name in params:
                params = {**params, name: {key: self._timestamps._convert_timestamp_to_str(value)
                                           for key, value in params[name].items()}}
        try:
            with self._one_call_at_a_time:
                request_id = self._request_ids.next()
                result = _copy_answer(self._service.call(operation, _copy(params)))
        except SWFFault as fault:
            raise self._error(fault, operation_model, request_id) from None
        result["ResponseMetadata"] = self._metadata(request_id, 200, 0)
        return result

    def _metadata(self, request_id: str, status: int, length: int) -> dict[str, Any]:
        return {"RequestId": request_id, "HTTPStatusCode": status,
                "HTTPHeaders": _headers(request_id, length), "RetryAttempts": 0}

    def _error(self, fault: SWFFault, operation_model: Any, request_id: str) -> ClientError:
        data = json.dumps(fault.body()).encode()
        response = {"status_code": fault.status, "headers": _headers(request_id, len(data)),
                    "body": data}
        parsed = self._parser.parse(response, operation_model.output_shape)
        error_shape = self._model.shape_for_error_code(fault.code)
        if error_shape is not None:  # what botocore's endpoint adds for modeled faults
            parsed.update(self._parser.parse(response, error_shape))
        # The wire client makes one attempt only, so botocore marks every error final.
        parsed["ResponseMetadata"].update(MaxAttemptsReached=True, RetryAttempts=0)
        error_class = self.exceptions.from_code(parsed["Error"]["Code"])
        return error_class(parsed, operation_model.name)

    def can_paginate(self, operation_name: str) -> bool:
        return _reference_client().can_paginate(operation_name)

    def get_paginator(self, operation_name: str) -> Paginator:
        """A botocore paginator over this client (e.g. for poll_for_decision_task)."""
        template = _reference_client().get_paginator(operation_name)
        return Paginator(getattr(self, operation_name), template._pagination_cfg,
                         template._model)


def _operation_method(operation: str) -> Callable[..., dict[str, Any]]:
    def method(self: DirectClient, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if args:
            raise TypeError(f"{xform_name(operation)}() only accepts keyword arguments.")
        return self._call(operation, kwargs)

    method.__name__ = xform_name(operation)
    method.__doc__ = f"SWF {operation}, as boto3's client method of the same name."
    return method


for _operation in swf_model().operation_names:
    setattr(DirectClient, xform_name(_operation), _operation_method(_operation))
