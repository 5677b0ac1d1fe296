"""A worker's SWF client, made when the worker first needs it.

`DeciderWorker(flow)` and `ActivityWorker(flow)` without a client use the flow's own, or make
one the usual boto3 way. Making it at construction would fail there (no region, say) with a
botocore traceback, before the worker is even asked to work; garcon failed at the first poll.
Here the client is made at its first use, and what is missing is one line saying what to set.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError

from garcon.worker.client import DEFAULT_CONNECTIONS, flow_client, setup_error


class ClientSetupError(RuntimeError):
    """No SWF client could be made for the flow: the message (one line) says what to set
    (a region, credentials, a profile)."""


class FlowClient:
    """A worker's `client` attribute: the client it was given, else the flow's (see
    `garcon.worker.client.flow_client`), made when first read with `connections(worker)` HTTP
    connections. Reading it raises ClientSetupError when no client can be made."""

    def __init__(self, connections: Callable[[Any], int] = lambda worker: DEFAULT_CONNECTIONS):
        self.connections = connections

    def __get__(self, worker: Any, owner: type | None = None) -> Any:
        if worker is None:
            return self
        client = worker.__dict__.get("_client")
        if client is None:
            try:
                client = flow_client(worker.flow, connections=self.connections(worker),
                                     need_credentials=True)
            except BotoCoreError as error:
                raise ClientSetupError(f"{worker.flow.name}: {setup_error(error)}") from None
            worker.__dict__["_client"] = client
        return client

    def __set__(self, worker: Any, client: Any) -> None:
        worker.__dict__["_client"] = client


def client_ready(worker: Any) -> Any:
    """The worker's client, made now if need be (ClientSetupError when it cannot be): called
    before polling, whose errors are retried, since a missing region, credentials or a bad
    endpoint do not go away."""
    return worker.client
