"""``reinfer-sandbox serve``: run the sandbox API server (also ``python -m ReinferLibrary.sandbox``).

The server binds its socket itself (so ``--port 0`` picks a free port and the real one is
known), seeds the demo tenant on the first start of an empty data directory, then prints
``ready at http://HOST:PORT`` once uvicorn accepts connections. Everything persists in
``--data-dir``. A port that is taken (or a host that cannot be bound) ends the command at
once with one line on stderr and exit code 2, as a bad ``--faults`` spec does.

``serve --replay CASSETTE`` serves a recorded stream (:mod:`.replay`) instead of the demo;
``import`` trains the sandbox on a labelled file (:mod:`.importer`); ``record`` writes a
cassette from a live stream. ``record`` is a client of a real tenant, so it lives outside
the sandbox (:mod:`ReinferLibrary.recording`, on the library's client) and is imported only
when that command runs: the server itself never loads the library's client.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import uvicorn

from . import faults
from .app import create_app
from .cassette import DEFAULT_MAX_COMMENTS, DEFAULT_SINCE, CassetteError
from .context import Sandbox
from .faults import FaultSpecError
from .importer import LabelledFileError, import_labelled
from .replay import load_replay
from .runner import TOKEN_ENV
from .seed import SeedError, demo_available, seed_demo


def _faults_help() -> str:
    text = faults.__doc__ or ""
    start = text.find("Grammar")
    return "fault injection (--faults):\n\n" + (text[start:] if start >= 0 else text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reinfer-sandbox",
        description="Local Re:infer / Communications Mining API server for offline robots and tests.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="run the API server",
        description="Run the sandbox API server until interrupted (Ctrl-C / SIGTERM).",
        epilog=_faults_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default)")
    serve.add_argument(
        "--data-dir", type=Path, required=True, help="directory of the SQLite database (created)"
    )
    serve.add_argument(
        "--token",
        default=None,
        help=f"the bearer token clients must send (better: set {TOKEN_ENV}; argv is visible to others)",
    )
    serve.add_argument(
        "--seed",
        choices=("demo", "none"),
        default="demo",
        help="load the demo tenant when the data directory is empty (default demo)",
    )
    serve.add_argument("--faults", default="", metavar="SPEC", help="fault spec, see below (default: none)")
    serve.add_argument(
        "--log-level",
        default="warning",
        choices=("critical", "error", "warning", "info", "debug"),
        help="uvicorn log level",
    )
    serve.add_argument("--access-log", action="store_true", help="log every request (off by default)")
    serve.add_argument(
        "--results-api",
        choices=("both", "v1", "preview"),
        default="both",
        help="serve the stream /results route under /api/v1, /api/preview or both (default both)",
    )
    serve.add_argument(
        "--replay",
        type=Path,
        default=None,
        metavar="CASSETTE",
        help="serve a recorded stream (from 'record') instead of the demo tenant; needs an empty --data-dir",
    )
    record = commands.add_parser(
        "record",
        help="record a live stream into a cassette without moving it",
        description="Record a stream's comments and predictions into a cassette for 'serve --replay'. "
        "The stream is never moved: a throwaway copy is read and deleted. Token from REINFER_TOKEN.",
    )
    record.add_argument("--url", default=None, help="base URL, everything before /api (default: REINFER_URL)")
    record.add_argument("--dataset", required=True, help="owner/name of the dataset")
    record.add_argument("--trigger", "--stream", dest="trigger", required=True, help="the stream to record")
    record.add_argument("--out", type=Path, required=True, help="the cassette file to write (JSON lines)")
    record.add_argument(
        "--max-comments",
        type=int,
        default=DEFAULT_MAX_COMMENTS,
        help=f"stop after this many comments (default {DEFAULT_MAX_COMMENTS})",
    )
    record.add_argument(
        "--since", default=DEFAULT_SINCE, help="first comment creation time (ISO 8601; default: the oldest)"
    )
    record.add_argument(
        "--no-mask", action="store_true", help="record personal data as it is (masking is on)"
    )
    record.add_argument("--keep-emails", action="store_true", help="do not mask e-mail addresses")
    record.add_argument("--keep-phones", action="store_true", help="do not mask phone numbers")
    record.add_argument(
        "--mask-property",
        action="append",
        default=[],
        metavar="NAME",
        help="a user property whose whole value is masked (repeat; the 'string:' prefix is optional)",
    )
    importer = commands.add_parser(
        "import",
        help="train the sandbox on your own labelled comments",
        description="Import labelled comments ('re get comments' JSON lines, or CSV with text and label "
        "columns) into a dataset and train a model version on them.",
    )
    importer.add_argument("file", type=Path, help="the labelled file (.csv, or JSON lines)")
    importer.add_argument("--data-dir", type=Path, required=True, help="the sandbox data directory")
    importer.add_argument("--dataset", required=True, help="owner/name of the dataset to create or add to")
    importer.add_argument(
        "--labels", type=Path, default=None, help="taxonomy file: labels allowed, one a line"
    )
    importer.add_argument(
        "--stream", default="routing", help="stream to create on the new version (default routing)"
    )
    importer.add_argument("--tag", action="append", default=None, help="model tag(s) to set (default: live)")
    importer.add_argument("--seed", type=int, default=0, help="training seed (default 0)")
    importer.add_argument(
        "--thresholds-out", type=Path, default=None, help="write a thresholds file (balanced thresholds) here"
    )
    importer.add_argument(
        "--sentiment",
        action="store_true",
        help="create the dataset with sentiment enabled (labels carry a sentiment from -1 to 1)",
    )
    return parser


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; with port 0 the OS picks a free port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must say TCP: asyncio only disables Nagle (TCP_NODELAY) on accepted sockets whose
    # proto is IPPROTO_TCP, and with Nagle on, keep-alive answers wait 40 ms for delayed ACKs.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    if os.name != "nt":
        # Lets a restarted sandbox take its old port back while old connections linger.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


class ReadyServer(uvicorn.Server):
    """Prints the ready line once uvicorn serves on the socket; closes the store on shutdown.

    Uvicorn re-raises SIGTERM/SIGINT after a graceful shutdown, so code after ``run()`` may
    never execute: the store is closed here, once in-flight requests have finished.
    """

    def __init__(self, config: uvicorn.Config, ready_line: str, on_shutdown: Callable[[], None]) -> None:
        super().__init__(config)
        self.ready_line = ready_line
        self.on_shutdown = on_shutdown

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.should_exit:
            print(self.ready_line, flush=True)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await super().shutdown(sockets=sockets)
        self.on_shutdown()


def serve(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    token = args.token or os.environ.get(TOKEN_ENV, "")
    if not token:
        parser.error(f"a token is required: pass --token or set {TOKEN_ENV}")
    try:
        sandbox = Sandbox.open(args.data_dir, args.faults)
    except FaultSpecError as error:
        parser.error(f"--faults: {error}")
    sandbox.results_api = args.results_api
    try:
        # Before seeding: an occupied port should fail at once, not after a minute of training.
        sock = bind(args.host, args.port)
    except OSError as error:
        sandbox.store.close()
        print(
            f"reinfer-sandbox: cannot listen on {args.host}:{args.port}: {error.strerror or error};"
            " choose another --port (0 picks a free one)",
            file=sys.stderr,
            flush=True,
        )
        return 2
    try:
        if args.replay is not None:
            try:
                print(load_replay(sandbox, args.data_dir, args.replay).summary(), flush=True)
            except CassetteError as error:
                sock.close()
                print(f"reinfer-sandbox: {error}", file=sys.stderr, flush=True)
                return 2
        elif args.seed == "demo" and sandbox.store.is_empty():
            if not demo_available():
                print("demo data not found; starting empty", flush=True)
            else:
                print(seed_demo(sandbox).summary(), flush=True)
        port = sock.getsockname()[1]
        host = f"[{args.host}]" if ":" in args.host else args.host
        config = uvicorn.Config(
            create_app(sandbox, token),
            log_level=args.log_level,
            access_log=args.access_log,
            lifespan="off",
            timeout_graceful_shutdown=5,
        )
        ready = f"reinfer sandbox ready at http://{host}:{port}"
        ReadyServer(config, ready, sandbox.store.close).run(sockets=[sock])
    except SeedError as error:
        sock.close()
        print(f"reinfer-sandbox: cannot seed the demo tenant: {error}", file=sys.stderr, flush=True)
        return 2
    finally:
        sandbox.store.close()
    return 0


def import_file(args: argparse.Namespace) -> int:
    sandbox = Sandbox.open(args.data_dir)
    try:
        report = import_labelled(
            sandbox,
            args.file,
            args.dataset,
            taxonomy_file=args.labels,
            stream=args.stream or None,
            tags=args.tag if args.tag is not None else ["live"],
            seed=args.seed,
            thresholds_out=args.thresholds_out,
            sentiment=args.sentiment,
        )
    except (LabelledFileError, OSError) as error:
        print(f"reinfer-sandbox import: {error}", file=sys.stderr, flush=True)
        return 2
    finally:
        sandbox.store.close()
    for warning in report.warnings:
        print(f"reinfer-sandbox import: warning: {warning}", file=sys.stderr, flush=True)
    print(report.summary(), flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args, parser)
    if args.command == "import":
        return import_file(args)
    if args.command == "record":
        from ..recording import main as record

        return record(args)
    parser.error(f"unknown command {args.command}")
    return 2
