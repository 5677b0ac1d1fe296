from __future__ import annotations

import socket
import time
import types
import urllib.request
from collections.abc import Iterator

import pytest

from conftest import DATA
from tests.serve_processes import Processes


def seed_example_source() -> str:
    """The example flow of the seed document, exactly as written there."""
    text = (DATA / "seed-generators.md").read_text()
    start = text.index("from garcon import activity")
    end = text.index("Note:\nGenerators attribute")
    return text[start:end]


@pytest.fixture
def seed_flow() -> types.ModuleType:
    """The seed document's example, run as a module of its own."""
    module = types.ModuleType("seed_country_flow")
    exec(compile(seed_example_source(), "seed-generators.md", "exec"), module.__dict__)
    return module


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """moto's SWF server on 127.0.0.1, one per test module, its state reset (moto keeps it in
    the process: what one module left open would be polled by the next): its endpoint URL."""
    import moto.swf.models as moto_swf
    from moto.server import ThreadedMotoServer

    # moto answers an empty poll after a real second (SWF holds it up to 60 s); a shorter wait
    # keeps the workers' polls cheap while the tests take seconds, not tens of them.
    idle = pytest.MonkeyPatch()
    idle.setattr(moto_swf, "sleep", lambda seconds: time.sleep(min(seconds, 0.05)))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"))
    yield url
    server.stop()
    idle.undo()


@pytest.fixture
def processes(tmp_path) -> Processes:
    """The processes a test starts (servers, workers), killed when it ends."""
    started = Processes(tmp_path)
    yield started
    started.close()
