"""``python -m booking verify-draw OFFICE RELEASE``: recompute a draw and compare."""

from __future__ import annotations

import argparse
from typing import Any

from booking.core.context import Domain
from booking.draw.verify import verify_draw


class DrawMismatch(Exception):
    """The draw in the database is not what its seed and requests give (exit status 1)."""


async def cmd_verify_draw(ctx: Domain, args: argparse.Namespace) -> None:
    result = await verify_draw(ctx, args.office, args.release)
    print(
        f"draw {result.draw_id} of {args.office} at {result.release_at.isoformat()}:"
        f" {result.requests} requests"
    )
    for problem in result.problems:
        print(f"  {problem}")
    if not result.matches:
        raise DrawMismatch(
            f"draw {result.draw_id} does not match ({len(result.problems)} problems)"
        )
    print("matches: the order and every assignment follow from the seed and the requests")


def add_draw_parsers(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser(
        "verify-draw",
        help="recompute a draw from its seed and requests and compare it with the database",
        description="Recompute the drawn order from the revealed seed and the request ids, "
        "re-run the assignment against the seats the draw recorded, and compare with the "
        "appointments it made. Exit status 1 when they do not match.",
    )
    p.add_argument("office", help="office code")
    p.add_argument(
        "release",
        help="the draw's id, the office-local date of its release moment (YYYY-MM-DD), "
        "or the moment itself (YYYY-MM-DDTHH:MM, office-local)",
    )
