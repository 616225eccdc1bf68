"""The `origin-device` command: device tools that connect to an Origin server.

    origin-device replay high-scores.jsonl --server 127.0.0.1:50051
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import pathlib
import sys
import time

import grpc

from origin_sdk.device import DeviceError
from origin_sdk.replay import ReplayError, ReplayOptions, ReplaySummary, replay

DEFAULT_EMAIL = "pinmame-replay@example.com"
DEFAULT_SCREEN_NAME = "pinmame-replay"
# A fixed password lets a second replay sign in to the account the first one
# created. It suits a local development server, not a shared one.
DEFAULT_PASSWORD = "pinmame-replay"
PASSWORD_VARIABLE = "ORIGIN_PASSWORD"


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the process exit status."""
    args = _build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return 130


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="origin-device", description="Device tools for an Origin server.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    replay_parser = commands.add_parser(
        "replay",
        help="send PinMAME high-score tables to a server, one machine per ROM",
        description=(
            "Create (or sign in as) an owner account, create one arcade, register one machine per ROM and "
            "send every high-score entry through that machine's device stream. A second run stores nothing new."
        ),
    )
    add = replay_parser.add_argument
    add("file", type=pathlib.Path, metavar="FILE", help="JSON Lines file of high-score entries")
    add("--server", default="127.0.0.1:50051", metavar="HOST:PORT", help="server address (default: %(default)s)")
    add("--tls", action="store_true", help="connect with TLS, trusting the system's root certificates")
    add("--ca-file", type=pathlib.Path, metavar="PATH", help="PEM root certificates to trust; implies --tls")
    add("--email", default=DEFAULT_EMAIL, help="owner account e-mail (default: %(default)s)")
    add(
        "--password",
        default=os.environ.get(PASSWORD_VARIABLE, DEFAULT_PASSWORD),
        help=f"owner account password, 10 to 128 characters (default: ${PASSWORD_VARIABLE}, else a fixed one)",
    )
    add("--screen-name", default=DEFAULT_SCREEN_NAME, help="screen name for a new account (default: %(default)s)")
    add(
        "--outbox",
        type=pathlib.Path,
        default=pathlib.Path("origin-outbox"),
        metavar="DIR",
        help="directory for the machines' outbox files (default: %(default)s)",
    )
    add("--time-zone", default="UTC", help="IANA time zone of the arcade, for last_played (default: %(default)s)")
    add(
        "--concurrency",
        type=_positive_int,
        default=8,
        metavar="N",
        help="machine streams open at once (default: %(default)s)",
    )
    add(
        "--timeout",
        type=_positive_float,
        default=60.0,
        metavar="SECONDS",
        help="seconds to wait for the server to acknowledge one machine's entries (default: %(default)s)",
    )
    add("-v", "--verbose", action="store_true", help="log progress at INFO level")
    replay_parser.set_defaults(run=_run_replay)
    return parser


def _run_replay(args: argparse.Namespace) -> int:
    started = time.monotonic()
    try:
        summary = asyncio.run(replay(args.file, _replay_options(args)))
    except (ReplayError, DeviceError, OSError) as error:
        print(f"origin-device: error: {error}", file=sys.stderr)
        return 1
    _print_summary(summary, time.monotonic() - started)
    return 0


def _replay_options(args: argparse.Namespace) -> ReplayOptions:
    return ReplayOptions(
        target=args.server,
        email=args.email,
        password=args.password,
        screen_name=args.screen_name,
        outbox_dir=args.outbox,
        time_zone=args.time_zone,
        concurrency=args.concurrency,
        flush_timeout=args.timeout,
        credentials=_credentials(args),
    )


def _credentials(args: argparse.Namespace) -> grpc.ChannelCredentials | None:
    if args.ca_file is not None:
        return grpc.ssl_channel_credentials(root_certificates=args.ca_file.read_bytes())
    if args.tls:
        return grpc.ssl_channel_credentials()
    return None


def _print_summary(summary: ReplaySummary, seconds: float) -> None:
    print(f"machines: {len(summary.machines)}")
    print(f"entries sent: {summary.sent}")
    print(f"accepted: {summary.accepted}")
    print(f"duplicates: {summary.duplicates}")
    print(f"rejected: {summary.rejected}")
    print(f"seconds: {seconds:.1f}")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {value}")
    return value


if __name__ == "__main__":
    sys.exit(main())
