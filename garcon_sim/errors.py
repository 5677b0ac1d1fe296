"""SWF faults as exceptions carrying the service's error codes.

The service raises these; the boto3 client turns them into HTTP 400 bodies
`{"__type": "<namespace>#<Code>", "message": ...}` that botocore parses back into
`ClientError`, and the direct client raises the same `ClientError` subclasses itself.
"""
from __future__ import annotations


class SWFFault(Exception):
    """An error answer from the service: a code, a message, an HTTP status."""

    code = "InternalFailure"
    namespace = "com.amazonaws.swf.base.model"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict[str, str]:
        """The JSON body SWF sends for this fault."""
        return {"__type": f"{self.namespace}#{self.code}", "message": self.message}


class UnknownResourceFault(SWFFault):
    code = "UnknownResourceFault"


class TypeAlreadyExistsFault(SWFFault):
    code = "TypeAlreadyExistsFault"


class DomainAlreadyExistsFault(SWFFault):
    code = "DomainAlreadyExistsFault"


class DomainDeprecatedFault(SWFFault):
    code = "DomainDeprecatedFault"


class TypeDeprecatedFault(SWFFault):
    code = "TypeDeprecatedFault"


class TypeNotDeprecatedFault(SWFFault):
    code = "TypeNotDeprecatedFault"


class WorkflowExecutionAlreadyStartedFault(SWFFault):
    code = "WorkflowExecutionAlreadyStartedFault"


class DefaultUndefinedFault(SWFFault):
    code = "DefaultUndefinedFault"


class TooManyTagsFault(SWFFault):
    code = "TooManyTagsFault"


class LimitExceededFault(SWFFault):
    code = "LimitExceededFault"


class ValidationException(SWFFault):
    code = "ValidationException"
    namespace = "com.amazon.coral.validate"


class ThrottlingException(SWFFault):
    code = "ThrottlingException"
    namespace = "com.amazon.coral.availability"


def unknown_execution(workflow_id: str, run_id: str | None) -> UnknownResourceFault:
    return UnknownResourceFault(
        f"Unknown execution: WorkflowExecution=[workflowId={workflow_id}, runId={run_id}]")


def render_value(value: object) -> str:
    """A request value as SWF quotes it in validation messages (long ones cut short)."""
    if value is None:
        return "null"
    text = str(value)
    text = text if len(text) <= 100 else text[:100] + "..."
    return "'" + text.encode("utf-8", "backslashreplace").decode("utf-8") + "'"


def validation_error(problems: list[tuple[object, str, str]]) -> ValidationException:
    """One ValidationException for (value, path, constraint) triples, worded as SWF words it."""
    count = len(problems)
    noun = "error" if count == 1 else "errors"
    details = "; ".join(
        f"Value {render_value(value)} at '{path}' failed to satisfy constraint: {constraint}"
        for value, path, constraint in problems)
    return ValidationException(f"{count} validation {noun} detected: {details}")
