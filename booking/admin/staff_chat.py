"""Setting the office's staff chat: the Telegram group its staff answer questions in."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from booking.admin.audit import record
from booking.core.context import Domain
from booking.core.errors import BookingError
from booking.db.models import StaffChat
from booking.offices.lookup import office_by_id

# Telegram group and supergroup ids are negative: -100xxxxxxxxxx at most 14 digits.
MIN_CHAT_ID = -(10**14)


class InvalidStaffChat(BookingError):
    def __init__(self, value: object) -> None:
        super().__init__(f"not a Telegram group id: {value!r}")
        self.value = value


def parse_chat_id(value: int | str) -> int:
    """A group id as typed ("-1001234567890"); ``InvalidStaffChat`` otherwise."""
    try:
        chat_id = int(str(value).strip())
    except ValueError:
        raise InvalidStaffChat(value) from None
    if not MIN_CHAT_ID <= chat_id < 0:
        raise InvalidStaffChat(value)
    return chat_id


async def set_staff_chat(
    ctx: Domain, office_id: int, chat_id: int | str | None, *, actor: str
) -> int | None:
    """Make ``chat_id`` the office's staff chat (None: the office has none); audited.
    Returns the previous chat id."""
    new = parse_chat_id(chat_id) if chat_id is not None else None

    async def tx(session: AsyncSession) -> int | None:
        await office_by_id(session, office_id)
        row = (
            await session.exec(select(StaffChat).where(StaffChat.office_id == office_id))
        ).first()
        before = row.chat_id if row is not None else None
        if before == new:
            return before
        if new is None:
            assert row is not None
            await session.delete(row)
        elif row is None:
            session.add(
                StaffChat(office_id=office_id, chat_id=new, updated_at=ctx.now(), updated_by=actor)
            )
        else:
            row.chat_id, row.updated_at, row.updated_by = new, ctx.now(), actor
            session.add(row)
        record(
            session,
            ctx.now(),
            actor=actor,
            office_id=office_id,
            action="set_staff_chat",
            before={"chat_id": before},
            after={"chat_id": new},
        )
        return before

    return await ctx.db.transact(tx)
