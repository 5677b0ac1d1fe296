"""Finding a flow from what a user types: `pkg.flows.country`, `flows/country.py`, or either
with `:attribute` for a flow object. Shared by `python -m garcon.worker` and `garcon-sim`."""
from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

from garcon.activity import find_workflow_activities


class FlowError(Exception):
    """A flow that cannot be loaded; the message is one sentence for the command line."""


def load_flow(spec: str) -> Any:
    """The flow named by `spec`: a module, or the `:attribute` of one."""
    location, _, attribute = spec.partition(":")
    flow = _load_module(location)
    if attribute:
        for part in attribute.split("."):
            if not hasattr(flow, part):
                raise FlowError(f"{location} has no attribute {attribute!r}")
            flow = getattr(flow, part)
    check_flow(flow, spec)
    return flow


def check_flow(flow: Any, spec: str) -> None:
    missing = [name for name in ("domain", "name") if not isinstance(getattr(flow, name, None),
                                                                      str)]
    if missing:
        raise FlowError(f"{spec} is not a flow: it has no {' or '.join(missing)} (a string)")
    if getattr(flow, "decider", None) is None and not find_workflow_activities(flow):
        raise FlowError(f"{spec} is not a flow: it has no activities and no decider")


def _load_module(location: str) -> Any:
    path = Path(location)
    if location.endswith(".py") or os.sep in location or "/" in location:
        if not path.is_file():
            raise FlowError(f"no such flow file: {location}")
        return _import(lambda: _import_file(path), location)
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # as `python -m` does, so local flows import
    return _import(lambda: importlib.import_module(location), location)


def _import_file(path: Path) -> Any:
    name = path.stem
    directory = str(path.resolve().parent)
    if directory not in sys.path:
        sys.path.insert(0, directory)  # as `python flow.py` does, so its neighbours import
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _import(load, location: str) -> Any:
    try:
        return load()
    except ModuleNotFoundError as error:
        if error.name and location.startswith(error.name):
            raise FlowError(f"no such flow module: {location}") from error
        raise FlowError(f"{location} does not import: {_describe(error)}") from error
    except SyntaxError as error:
        raise FlowError(f"{location} does not import: SyntaxError at line {error.lineno}: "
                        f"{error.msg}") from error
    except Exception as error:
        raise FlowError(f"{location} does not import: {_describe(error)}") from error


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
