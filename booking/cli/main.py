"""``python -m booking``: set-up and automation commands for operators."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import NoReturn

from sqlalchemy.exc import SQLAlchemyError

from booking.admin.input import check_range
from booking.admin.offices_file import OfficesFileError, load_offices, read_offices_file
from booking.admin.quotas import set_daily_quota
from booking.calendar.availability import day_availability, sessions_of
from booking.calendar.release import release_slots
from booking.calendar.schedule import local_now
from booking.cli.admin import (
    ADMIN_COMMANDS,
    add_admin_parsers,
    explain_admin,
    iso_date,
    operator_actor,
)
from booking.cli.draws import DrawMismatch, add_draw_parsers, cmd_verify_draw
from booking.core.config import BookingSettings
from booking.core.context import Domain
from booking.core.errors import BookingError, InvalidQuota, OfficeNotFound, QuotaBelowBooked
from booking.core.limits import MAX_QUOTA
from booking.db.factory import build_domain
from booking.db.migrate import migrate
from booking.offices.lookup import get_office_by_code, list_offices

SAMPLE_OFFICES = Path(__file__).parents[1] / "data" / "offices.yaml"


class CliError(Exception):
    """A problem with the operator's input; printed as one line, exit status 1."""


MAX_SHOWN_DAYS = 366


def _whole_number(what: str, low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``, named ``what`` in errors."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be between {low} and {high}")
        return value

    return parse


_days = _whole_number("days", 1, MAX_SHOWN_DAYS)
_quota = _whole_number("quota", 0, MAX_QUOTA)


async def cmd_migrate(ctx: Domain, args: argparse.Namespace) -> None:
    await migrate(ctx.db)
    print("database is up to date")


async def cmd_load_offices(ctx: Domain, args: argparse.Namespace) -> None:
    specs = read_offices_file(Path(args.file))
    await migrate(ctx.db)
    created, updated = await load_offices(ctx, specs, actor=operator_actor())
    print(f"loaded {len(specs)} offices: {created} new, {updated} updated")


async def cmd_release(ctx: Domain, args: argparse.Namespace) -> None:
    made = await release_slots(ctx, args.office)
    print(f"released {made} new slots")


async def cmd_offices(ctx: Domain, args: argparse.Namespace) -> None:
    for office in await list_offices(ctx):
        print(f"{office.code:10} {office.timezone:15} {office.province:18} {office.name}")


async def cmd_availability(ctx: Domain, args: argparse.Namespace) -> None:
    office = await get_office_by_code(ctx, args.office)
    assert office.id is not None
    today = local_now(ctx.now(), office.timezone).date()
    days = await day_availability(ctx, office.id, today, today + timedelta(days=args.days - 1))
    print(f"{office.name} ({office.timezone})")
    for d in days:
        extra = f" {d.seats_left} seats left" if d.status.value in ("open", "full") else ""
        note = f" ({d.note})" if d.note else ""
        status = d.status.value.replace("_", " ")  # "no service", "not released"
        print(f"  {d.day:%a %Y-%m-%d}  {status}{extra}{note}")
        if d.status.value == "open" and args.sessions:
            for s in await sessions_of(ctx, office.id, d.day):
                print(
                    f"      {s.start:%H:%M}-{s.end:%H:%M} {s.zone}  {s.label}: {s.seats_left} left"
                )


async def cmd_set_quota(ctx: Domain, args: argparse.Namespace) -> None:
    office = await get_office_by_code(ctx, args.office)
    today = local_now(ctx.now(), office.timezone).date()
    if args.date is not None:
        first = last = args.date
    elif args.from_ is not None and args.to is not None:
        first, last = args.from_, args.to
    else:
        raise CliError("give --date D, or both --from D and --to D")
    days = check_range(first, last, today)
    await set_daily_quota(ctx, office.code, days, args.quota, args.priority, actor=operator_actor())
    await release_slots(ctx, office.code)
    print(f"{office.code}: quota {args.quota} set for {len(days)} day(s) from {first} to {last}")


async def cmd_demo(ctx: Domain, args: argparse.Namespace) -> None:
    await migrate(ctx.db)
    specs = read_offices_file(SAMPLE_OFFICES)
    await load_offices(ctx, specs, actor=operator_actor())
    made = await release_slots(ctx)
    print(f"Loaded {len(specs)} sample offices and released {made} new slots.\n")
    for office in await list_offices(ctx):
        args.office, args.days, args.sessions = office.code, 7, False
        await cmd_availability(ctx, args)
        print()


COMMANDS = {
    "migrate": cmd_migrate,
    "load-offices": cmd_load_offices,
    "release": cmd_release,
    "offices": cmd_offices,
    "availability": cmd_availability,
    "set-quota": cmd_set_quota,
    "demo": cmd_demo,
    **ADMIN_COMMANDS,
    "verify-draw": cmd_verify_draw,
}


class OneLineParser(argparse.ArgumentParser):
    """Argument errors in one line, as the README promises; the usage is on --help.
    (Sub-command parsers are made of the same class.)"""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="python -m booking",
        description="Tanpa Antre booking administration. Settings come from the "
        "environment or .env (DATABASE_URL, NIK_SECRET, DATA_DIR).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("migrate", help="apply pending database migrations")
    p = sub.add_parser(
        "load-offices",
        help="create or update offices from a YAML or JSON file",
        description="Validate every office in FILE, then write them all or nothing. "
        "Loading the same file again updates the offices.",
    )
    p.add_argument("file", help="YAML or JSON file, e.g. booking/data/offices.yaml")
    p = sub.add_parser("release", help="materialize the slots whose release moment has passed")
    p.add_argument("--office", help="only this office code")
    sub.add_parser("offices", help="list the active offices")
    p = sub.add_parser("availability", help="show the coming days of an office")
    p.add_argument("office", help="office code")
    p.add_argument(
        "--days", type=_days, default=14, help=f"how many days, 1 to {MAX_SHOWN_DAYS} (default 14)"
    )
    p.add_argument("--sessions", action="store_true", help="list the sessions of open days")
    p = sub.add_parser(
        "set-quota",
        help="override the daily quota on a date or a range of dates",
        description="Set the regular daily quota N of OFFICE on --date D or on every "
        "date from --from to --to. Refused when a session would end up with fewer "
        "seats than it already has bookings.",
    )
    p.add_argument("office", help="office code")
    p.add_argument("quota", type=_quota, metavar="N", help=f"seats per day, 0 to {MAX_QUOTA}")
    p.add_argument("--date", type=iso_date, help="one date, YYYY-MM-DD")
    p.add_argument("--from", dest="from_", type=iso_date, help="first date of a range")
    p.add_argument("--to", type=iso_date, help="last date of a range")
    p.add_argument("--priority", type=_quota, help="priority seats per day (default: unchanged)")
    sub.add_parser("demo", help="load the sample offices, release slots and show availability")
    add_admin_parsers(sub)
    add_draw_parsers(sub)
    return parser


def explain(exc: BaseException) -> str:
    """One line for an operator; never a traceback."""
    admin = explain_admin(exc)
    if admin is not None:
        return admin
    if isinstance(exc, OfficeNotFound):
        return f"unknown office code: {exc.key}"
    if isinstance(exc, QuotaBelowBooked):
        return f"refused: {exc.booked} seats are already booked on {exc.day}"
    if isinstance(exc, InvalidQuota):
        return f"invalid quota {exc.value!r}: use a whole number from 0 to {MAX_QUOTA}"
    return str(exc)


def explain_database(exc: BaseException) -> str:
    """One line for a database that cannot be reached or has no schema yet."""
    first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    text = first_line.lower()
    if "no such table" in text or ("relation" in text and "does not exist" in text):
        return f"the database has no tables yet: run `python -m booking migrate` ({first_line})"
    return f"database problem: {first_line}"


async def run(args: argparse.Namespace, settings: BookingSettings) -> None:
    ctx = build_domain(settings)
    try:
        await COMMANDS[args.command](ctx, args)
    finally:
        await ctx.db.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        asyncio.run(run(args, BookingSettings()))
    except (CliError, OfficesFileError, BookingError, DrawMismatch) as exc:
        print(f"error: {explain(exc)}", file=sys.stderr)
        return 1
    except (SQLAlchemyError, OSError) as exc:
        print(f"error: {explain_database(exc)}", file=sys.stderr)
        return 1
    return 0
