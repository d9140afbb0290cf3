"""The ``ihospital-gateway`` command: run the gateway, show the spool, or simulate a HIS.

Exit codes: 0 success, 1 runtime failure (for example a port already in use), 2 bad configuration or usage.
"""

import argparse
import asyncio
import logging
import sys

from . import __version__
from .config import ConfigError, load
from .spool import read_status


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper()),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _run(args: argparse.Namespace) -> int:
    from .app import run

    config = load(args.config)
    try:
        asyncio.run(run(config))
    except OSError as error:
        logging.getLogger(__name__).error("cannot start: %s", error)
        return 1
    return 0


def _status(args: argparse.Namespace) -> int:
    config = load(args.config)
    try:
        status = read_status(config.spool.path)
    except FileNotFoundError as error:
        print(f"{error} (the gateway has not run yet)")
        return 0
    print(f"spool {config.spool.path}")
    codes = [endpoint.code for endpoint in config.endpoints]
    codes += sorted((set(status["inbound"]) | set(status["outbound"])) - set(codes))
    for code in codes:
        inbound = status["inbound"].get(code, {})
        outbound = status["outbound"].get(code, {})
        print(f"endpoint {code}")
        print("  inbound:  " + (", ".join(f"{state} {n}" for state, n in inbound.items()) or "none"))
        print("  outbound: " + (", ".join(f"{state} {n}" for state, n in outbound.items()) or "none"))
    if status["dead"]:
        print(f"dead messages ({len(status['dead'])}):")
        for row in status["dead"]:
            where = "kept here" if row["state"] == "dead" else "sent to the platform as dead"
            if row["state"] == "pending":
                where = "waiting to be sent to the platform as dead"
            print(
                f"  #{row['id']} {row['endpoint']} {row['control_id']} {row['type']} received {row['received_at']}"
                f" UTC, {row['attempts']} faults, {where}: {row['error']}"
            )
    if status["outbound_failing"]:
        print("outbound messages the HIS has not taken yet:")
        for row in status["outbound_failing"]:
            where = f"#{row['id']} {row['endpoint']} {row['control_id']} {row['type']}"
            print(f"  {where}, {row['tries']} tries: {row['error']}")
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from .simulator import main as sim_main

    return sim_main(args.sim_args) or 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ihospital-gateway", description="iHospital front-end gateway (前置机) for HIS, LIS and RIS systems."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the gateway until SIGTERM or SIGINT")
    run.add_argument("--config", required=True, help="the gateway's TOML configuration file")
    run.set_defaults(handler=_run)
    status = commands.add_parser("status", help="spool counts per state and the dead messages")
    status.add_argument("--config", required=True, help="the gateway's TOML configuration file")
    status.set_defaults(handler=_status)
    simulate = commands.add_parser(
        "simulate-his", help="a simulated HIS (see simulate-his --help)", add_help=False, prefix_chars="\0"
    )
    simulate.add_argument("sim_args", nargs=argparse.REMAINDER)
    simulate.set_defaults(handler=_simulate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args.log_level)
    try:
        return args.handler(args)
    except ConfigError as error:
        logging.getLogger(__name__).error("configuration error: %s", error)
        return 2


if __name__ == "__main__":
    sys.exit(main())
