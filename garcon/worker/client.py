"""The boto3 SWF client a worker uses, and registering a flow with SWF."""
from __future__ import annotations

import logging
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)

from garcon.activity import find_workflow_activities, flow_version
from garcon.limits import SWF_LIMITS
from garcon.log import worker_logger
from garcon.worker.polling import error_code

CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    # SWF holds a poll for up to 60 s; AWS advises a socket timeout of at least 70 s.
    read_timeout=70, connect_timeout=10)
DEFAULT_CONNECTIONS = 10

ALREADY_EXISTS = frozenset({"DomainAlreadyExistsFault", "TypeAlreadyExistsFault"})


class BadEndpointError(BotoCoreError):
    """An endpoint URL botocore cannot use."""

    fmt = ("{error}: an endpoint is an http:// or https:// URL (--endpoint-url, "
           "AWS_ENDPOINT_URL_SWF)")


def make_client(region: str | None = None, endpoint_url: str | None = None,
                connections: int = DEFAULT_CONNECTIONS, *, need_credentials: bool = False
                ) -> Any:
    """A boto3 SWF client: credentials, region and endpoint the usual boto3 way (environment,
    profile, AWS_ENDPOINT_URL_SWF), unless given here; botocore's standard retries; a pool of
    `connections` HTTP connections (one per polling thread: a long poll holds one for 60 s).
    With `need_credentials`, finding none raises NoCredentialsError now rather than at the
    first call (a worker's polls would fail forever, and registration only warns)."""
    config = CLIENT_CONFIG.merge(Config(max_pool_connections=connections))
    session = boto3.session.Session()
    try:
        client = session.client("swf", region_name=region, endpoint_url=endpoint_url,
                                config=config)
    except ValueError as error:  # botocore's "Invalid endpoint: ..."
        raise BadEndpointError(error=error) from None
    if need_credentials and session.get_credentials() is None:
        raise NoCredentialsError()
    return client


def setup_error(error: BotoCoreError) -> str:
    """botocore's error in one line; for a missing region, credentials or profile, with the
    ways to give them."""
    if isinstance(error, NoRegionError):
        return ("no AWS region: give --region, set AWS_DEFAULT_REGION, or use a profile with "
                "a region (AWS_PROFILE, ~/.aws/config)")
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return (f"{error}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, use a profile "
                "(AWS_PROFILE, ~/.aws/credentials), or run where an IAM role gives them")
    if isinstance(error, ProfileNotFound):
        return f"{error}: profiles are in ~/.aws/config and ~/.aws/credentials"
    return str(error)


def flow_client(flow: Any, region: str | None = None, endpoint_url: str | None = None,
                connections: int = DEFAULT_CONNECTIONS, *, need_credentials: bool = False
                ) -> Any:
    """The flow's own client (or one of its activities'), unless a region or an endpoint is
    asked for; otherwise a new one (`make_client`)."""
    if region is None and endpoint_url is None:
        own = getattr(flow, "client", None) or next(
            (a.client for a in find_workflow_activities(flow) if a.client is not None), None)
        if own is not None:
            return own
    return make_client(region, endpoint_url, connections, need_credentials=need_credentials)


def register_flow(client: Any, flow: Any, logger: logging.Logger | None = None) -> None:
    """Register the domain, the workflow type and every activity type, at the flow's version
    (as garcon 1.1.1 registers them). The workflow type's defaults let an execution start with
    its type alone. What exists already is fine; what SWF refuses (no credentials, no
    swf:Register* permission) is a warning naming the call, and the worker goes on: a type
    that is really missing fails the workflow when it is scheduled."""
    logger = logger or worker_logger()
    domain, version = flow.domain, flow_version(flow)
    calls = [
        ("RegisterDomain", client.register_domain, {
            "name": domain,
            "workflowExecutionRetentionPeriodInDays": str(SWF_LIMITS.retention_days)}),
        ("RegisterWorkflowType", client.register_workflow_type, {
            "domain": domain, "name": flow.name, "version": version,
            "defaultTaskList": {"name": flow.name}, "defaultChildPolicy": "TERMINATE",
            "defaultTaskStartToCloseTimeout": "300",
            "defaultExecutionStartToCloseTimeout": str(SWF_LIMITS.longest_timeout_seconds)})]
    calls += [("RegisterActivityType", client.register_activity_type, {
        "domain": domain, "name": activity.name, "version": version,
        "defaultTaskList": {"name": activity.task_list}})
        for activity in find_workflow_activities(flow)]
    for operation, call, arguments in calls:
        what = " ".join(filter(None, (operation, arguments["name"], arguments.get("version"))))
        try:
            call(**arguments)
        except Exception as error:
            if error_code(error) in ALREADY_EXISTS:
                logger.debug("%s: already registered", what)
            else:
                logger.warning("%s refused, going on without it: %s", what,
                               " ".join(str(error).split()))
