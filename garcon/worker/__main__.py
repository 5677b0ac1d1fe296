"""`python -m garcon.worker FLOW`: run a flow's decider and activity workers on SWF.

The decider's task list is polled in a thread of its own, each activity's in `--concurrency`
threads (one by default), each running one attempt at a time with its own heartbeats. SIGTERM
or SIGINT stops the polling: every attempt in hand is finished and answered, then the process
exits 0 (a poll in flight returns first: up to 60 s on SWF). A second signal exits at once.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
import threading

from botocore.exceptions import BotoCoreError, ClientError

from garcon.activity import UnknownActivityError, resolve_activity_names
from garcon.loader import FlowError, load_flow
from garcon.log import worker_logger
from garcon.worker.activities import ActivityWorker
from garcon.worker.client import flow_client, register_flow, setup_error
from garcon.worker.deciding import DeciderWorker
from garcon.worker.polling import start_serving

PROG = "python -m garcon.worker"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Run a flow's decider and activity workers on Amazon SWF.",
        epilog="With neither --decider nor --activities, runs the decider and every activity.")
    parser.add_argument("flow", metavar="FLOW", help="a module (pkg.flows.country), a file "
                        "(flows/country.py), or either with :attribute for a flow object")
    parser.add_argument("--decider", action="store_true", help="run the decider")
    parser.add_argument("--activities", metavar="NAME,...",
                        help="run these activities (names as given to create, or full type "
                        "names)")
    parser.add_argument("--concurrency", type=_positive, default=1, metavar="N",
                        help="attempts of each activity run at once, each in a thread of its "
                        "own (default 1)")
    parser.add_argument("--identity", help="the identity recorded when this worker takes a "
                        "task (default: host-pid)")
    parser.add_argument("--region", help="AWS region (default: the usual boto3 way)")
    parser.add_argument("--endpoint-url", help="SWF endpoint (default: the usual boto3 way, "
                        "e.g. AWS_ENDPOINT_URL_SWF)")
    parser.add_argument("--log-level", default="INFO",
                        choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return parser.parse_args(argv)


def _positive(text: str) -> int:
    if not (text.isdigit() and int(text) > 0):
        raise argparse.ArgumentTypeError(f"a number of attempts (1 or more), not {text!r}")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    logging.basicConfig(level=args.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for chatty in ("botocore", "boto3", "urllib3"):  # their INFO lines are about themselves
        logging.getLogger(chatty).setLevel(max(logging.WARNING, logging.getLogger().level))
    logger = worker_logger()
    try:
        flow = load_flow(args.flow)
        if args.activities is not None:  # refused before any client is made
            names = [name.strip() for name in args.activities.split(",") if name.strip()]
            args.activities = [activity.name for activity in resolve_activity_names(
                flow, names, where=f"--activities {args.activities}")]
        client = flow_client(flow, args.region, args.endpoint_url,
                             connections=ActivityWorker.connections_needed(flow,
                                                                           args.concurrency),
                             need_credentials=True)
        pollers = _pollers(flow, client, args)
        register_flow(client, flow, logger)
    except (FlowError, UnknownActivityError, BotoCoreError, ClientError) as error:
        message = setup_error(error) if isinstance(error, BotoCoreError) else error
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return 2
    stop = threading.Event()
    _stop_on_signals(stop, logger)
    threads = start_serving(pollers, stop)
    logger.info("%s: %d thread(s) polling the task lists of %s in domain %s", PROG,
                len(threads), flow.name, flow.domain)
    while any(thread.is_alive() for thread in threads):
        stop.wait(0.5)
        for thread in threads:
            thread.join(0.1)
    logger.info("%s: stopped", PROG)
    return 0


def _pollers(flow, client, args: argparse.Namespace) -> list:
    identity = args.identity or f"{socket.gethostname()}-{os.getpid()}"
    everything = not args.decider and args.activities is None
    pollers = []
    if args.decider or everything:
        pollers.append(DeciderWorker(flow, register=False, client=client).poller(identity))
    if args.activities is not None or everything:
        worker = ActivityWorker(flow, args.activities, client=client,
                                concurrency=args.concurrency)
        pollers += worker.pollers(identity)
    return pollers


def _stop_on_signals(stop: threading.Event, logger: logging.Logger) -> None:
    def handle(signum: int, frame) -> None:
        if stop.is_set():
            os._exit(128 + signum)
        logger.info("%s: %s received, finishing the tasks in hand",
                    PROG, signal.Signals(signum).name)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, handle)


if __name__ == "__main__":
    sys.exit(main())
