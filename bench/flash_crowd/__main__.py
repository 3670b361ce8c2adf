"""``python -m bench.flash_crowd --side project|baseline``: one side of the flash-crowd
scenario, in its own process (``python -m bench flash-crowd`` starts both).

A package's ``__main__``, so that the render worker processes the project side
starts (with "spawn") do not import the benchmark, and aiogram with it."""

from __future__ import annotations

import argparse
import sys

from bench.flash_crowd import __doc__ as scenario_doc
from bench.flash_crowd import add_arguments, main

if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.flash_crowd", description=scenario_doc)
    add_arguments(parser)
    sys.exit(main(parser.parse_args()))
