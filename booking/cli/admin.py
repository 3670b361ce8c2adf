"""``python -m booking`` commands for office administration: admins and counter
staff, closures, the day list, check-in and no-shows. ``booking.cli.main`` registers them."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from booking.admin.checkin import check_in, mark_no_shows
from booking.admin.closures import close_day, reopen_day
from booking.admin.daylist import export_day_csv
from booking.admin.input import MAX_TELEGRAM_ID
from booking.admin.roles import (
    add_admin,
    grant_counter_staff,
    remove_admin,
    revoke_counter_staff,
)
from booking.core.context import Domain
from booking.core.errors import (
    AdminRoleNotFound,
    AlreadyCheckedIn,
    AppointmentCancelled,
    CounterStaffNotFound,
    DateInPast,
    DayAlreadyClosed,
    DayNotClosed,
    InvalidDate,
    InvalidDateRange,
    InvalidTelegramId,
    InvalidText,
    NotActive,
    OtherOfficeCode,
    SessionNotEnded,
    UnknownBookingCode,
    WrongDay,
)
from booking.offices.lookup import get_office_by_code

Command = Callable[[Domain, argparse.Namespace], Awaitable[None]]


def operator_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (use YYYY-MM-DD)") from None


def _telegram_id(text: str) -> int:
    if not text.strip().isdigit() or not 0 < int(text) < MAX_TELEGRAM_ID:
        raise argparse.ArgumentTypeError(f"{text!r} is not a Telegram user id (a positive number)")
    return int(text)


async def _office_id(ctx: Domain, code: str) -> int:
    office = await get_office_by_code(ctx, code)
    assert office.id is not None
    return office.id


async def cmd_add_admin(ctx: Domain, args: argparse.Namespace) -> None:
    role = await add_admin(ctx, args.telegram_id, args.office, actor=operator_actor())
    where = "all offices (super-admin)" if role.is_super else f"office {role.office_code}"
    print(f"{role.telegram_id} is an admin of {where}")


async def cmd_remove_admin(ctx: Domain, args: argparse.Namespace) -> None:
    await remove_admin(ctx, args.telegram_id, args.office, actor=operator_actor())
    where = "super-admin" if args.office is None else f"admin of office {args.office}"
    print(f"{args.telegram_id} is no longer {where}")


async def cmd_add_counter_staff(ctx: Domain, args: argparse.Namespace) -> None:
    staff = await grant_counter_staff(ctx, args.telegram_id, args.office, actor=operator_actor())
    print(f"{staff.telegram_id} is counter staff (petugas loket) of office {staff.office_code}")


async def cmd_remove_counter_staff(ctx: Domain, args: argparse.Namespace) -> None:
    await revoke_counter_staff(ctx, args.telegram_id, args.office, actor=operator_actor())
    print(f"{args.telegram_id} is no longer counter staff of office {args.office}")


async def cmd_close_day(ctx: Domain, args: argparse.Namespace) -> None:
    result = await close_day(
        ctx, await _office_id(ctx, args.office), args.date, args.reason, actor=operator_actor()
    )
    print(
        f"{args.office} closed on {result.day}: {len(result.displaced)} appointment(s)"
        f" cancelled, {result.notified} applicant(s) to be notified"
    )


async def cmd_reopen_day(ctx: Domain, args: argparse.Namespace) -> None:
    released = await reopen_day(
        ctx, await _office_id(ctx, args.office), args.date, actor=operator_actor()
    )
    print(f"{args.office} open again on {args.date} ({released} new slot(s) released)")


async def cmd_export_day(ctx: Domain, args: argparse.Namespace) -> None:
    text = await export_day_csv(
        ctx,
        await _office_id(ctx, args.office),
        args.date,
        actor=operator_actor(),
        include_cancelled=args.all,
    )
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.buffer.flush()


async def cmd_checkin(ctx: Domain, args: argparse.Namespace) -> None:
    result = await check_in(
        ctx, await _office_id(ctx, args.office), args.code, actor=operator_actor()
    )
    print(
        f"{result.appointment.code} checked in: queue number {result.queue_number},"
        f" {result.appointment.label} session, {result.full_name} ({result.nik_masked})"
    )


async def cmd_no_shows(ctx: Domain, args: argparse.Namespace) -> None:
    result = await mark_no_shows(
        ctx, await _office_id(ctx, args.office), day=args.date, actor=operator_actor()
    )
    print(
        f"{args.office} {args.date}: {result.marked} appointment(s) marked no-show"
        f" in {len(result.slot_ids)} ended session(s)"
    )


ADMIN_COMMANDS: dict[str, Command] = {
    "add-admin": cmd_add_admin,
    "remove-admin": cmd_remove_admin,
    "add-counter-staff": cmd_add_counter_staff,
    "remove-counter-staff": cmd_remove_counter_staff,
    "close-day": cmd_close_day,
    "reopen-day": cmd_reopen_day,
    "export-day": cmd_export_day,
    "checkin": cmd_checkin,
    "no-shows": cmd_no_shows,
}


def _role_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--telegram-id", required=True, type=_telegram_id, help="numeric Telegram id")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--super", dest="office", action="store_const", const=None, help="super-admin role"
    )
    which.add_argument("--office", help="office code")


def _staff_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--telegram-id", required=True, type=_telegram_id, help="numeric Telegram id")
    p.add_argument("--office", required=True, help="office code")


def _office_and_date(p: argparse.ArgumentParser, date_help: str = "YYYY-MM-DD") -> None:
    p.add_argument("office", help="office code")
    p.add_argument("date", type=iso_date, metavar="DATE", help=date_help)


def add_admin_parsers(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser(
        "add-admin",
        help="appoint a super-admin or an office admin",
        description="Give the Telegram user --telegram-id the super-admin role (every "
        "office), or the admin role of --office. Authorization is by this numeric id only.",
    )
    _role_arguments(p)
    p = sub.add_parser(
        "remove-admin",
        help="take a super-admin or office admin role away",
        description="Remove one role of --telegram-id. Super-admins listed in ADMIN_IDS "
        "stay super-admins until removed from that setting.",
    )
    _role_arguments(p)
    p = sub.add_parser(
        "add-counter-staff",
        help="make someone counter staff (petugas loket) of an office",
        description="Let the Telegram user --telegram-id open the counters of --office, "
        "call and serve there. Counter staff cannot change quotas or anything else.",
    )
    _staff_arguments(p)
    p = sub.add_parser(
        "remove-counter-staff",
        help="take the counter staff role of an office away",
        description="Remove the petugas loket role of --telegram-id at --office.",
    )
    _staff_arguments(p)
    p = sub.add_parser(
        "close-day",
        help="close an office on a date; its appointments are cancelled and notified",
        description="Close OFFICE on DATE with --reason. Every active appointment of that "
        "date is cancelled as displaced; each applicant is notified with the reason and "
        "may rebook once without using their reschedule.",
    )
    _office_and_date(p, "YYYY-MM-DD, today or later")
    p.add_argument("--reason", required=True, help="why, shown to the applicants")
    p = sub.add_parser(
        "reopen-day",
        help="lift the closure of a date",
        description="Open OFFICE on DATE again and release its sessions. "
        "Appointments cancelled by the closure stay cancelled.",
    )
    _office_and_date(p)
    p = sub.add_parser(
        "export-day",
        help="write the day list of an office as CSV to standard output",
        description="Print the applicants of OFFICE on DATE as CSV (UTF-8 with a byte "
        "order mark, a header row): export-day OFFICE DATE > file.csv",
    )
    _office_and_date(p)
    p.add_argument("--all", action="store_true", help="include cancelled appointments")
    p = sub.add_parser(
        "checkin",
        help="check an applicant in by booking code and give a queue number",
        description="Check in booking CODE at OFFICE today (office-local date).",
    )
    p.add_argument("office", help="office code")
    p.add_argument("code", help="the 8-character booking code")
    p = sub.add_parser(
        "no-shows",
        help="mark the appointments not checked in of a date's ended sessions as no-show",
        description="For every session of OFFICE on DATE that has ended, mark each "
        "appointment still booked as no-show.",
    )
    _office_and_date(p)


def explain_admin(exc: BaseException) -> str | None:
    """One line for an operator, or None when ``booking.cli.main.explain`` knows the error."""
    if isinstance(exc, DateInPast):
        return f"{exc.day} is in the past (today is {exc.today})"
    if isinstance(exc, InvalidDate):
        return f"{exc.value!r} is not a date (use YYYY-MM-DD)"
    if isinstance(exc, InvalidDateRange):
        if exc.max_days is not None:
            return f"a range may cover at most {exc.max_days} days"
        return f"the range ends ({exc.last}) before it starts ({exc.first})"
    if isinstance(exc, InvalidText):
        return f"{exc.field} must be 1 to {exc.max_length} characters"
    if isinstance(exc, InvalidTelegramId):
        return f"{exc.value!r} is not a Telegram user id"
    if isinstance(exc, AdminRoleNotFound):
        where = "a super-admin" if exc.office_code is None else f"an admin of {exc.office_code}"
        return f"{exc.telegram_id} is not {where}"
    if isinstance(exc, CounterStaffNotFound):
        return f"{exc.telegram_id} is not counter staff of {exc.office_code}"
    if isinstance(exc, DayAlreadyClosed):
        return f"already closed on {exc.day}"
    if isinstance(exc, DayNotClosed):
        return f"not closed on {exc.day}"
    if isinstance(exc, UnknownBookingCode):
        return f"no appointment has the code {exc.code!r}"
    if isinstance(exc, OtherOfficeCode):
        return f"{exc.code} is an appointment at another office ({exc.office_code})"
    if isinstance(exc, AppointmentCancelled):
        return f"{exc.code} was cancelled ({exc.reason or 'no reason'})"
    if isinstance(exc, WrongDay):
        return f"{exc.code} is booked for {exc.day}, not today ({exc.today})"
    if isinstance(exc, AlreadyCheckedIn):
        return f"{exc.code} is already checked in with queue number {exc.queue_number}"
    if isinstance(exc, NotActive):
        return f"that appointment is {exc.status}"
    if isinstance(exc, SessionNotEnded):
        return f"no session of {exc.day} has ended yet"
    return None
