"""``python -m bench SCENARIO``: run one benchmark scenario.

Each scenario is a module of this package with ``add_arguments(parser)`` and
``main(args) -> int``; list it in ``SCENARIOS`` to make it available here.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Scenario name -> module; the module's docstring's first line is its help.
SCENARIOS = {
    "reminders": "bench.reminders",
    "booking-engine": "bench.booking_engine",
    "flash-crowd": "bench.flash_crowd",
    "release-rush": "bench.release_rush",
    "questions": "bench.questions",
    "scalpers": "bench.scalpers",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="scenario", required=True, metavar="SCENARIO")
    for name, module_name in SCENARIOS.items():
        module = importlib.import_module(module_name)
        summary = (module.__doc__ or name).strip().splitlines()[0]
        scenario = sub.add_parser(name, help=summary, description=module.__doc__)
        module.add_arguments(scenario)
        scenario.set_defaults(run=module.main)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
