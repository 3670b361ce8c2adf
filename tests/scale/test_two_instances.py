"""Scale-out: two webhook instances on one PostgreSQL database and one Redis.

One applicant's updates alternate between the instances; a burst of confirms split
across both books exactly the seats there are; the reminder senders of both
instances deliver each due message once.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import date, time, timedelta

from sqlmodel import col, func, select

from bench.crowd import holders_of, register_crowd
from booking.admin.offices_file import SessionSpec
from booking.appointments.groups import MemberChoice
from booking.appointments.service import appointments_of
from booking.calendar.availability import sessions_of
from booking.calendar.schedule import local_now
from booking.core.context import Domain
from booking.core.kinds import NotificationStatus, ServiceType
from booking.db.models import Appointment, Notification, Slot
from booking.notify.outbox import enqueue
from bot import callbacks as cb
from tests.e2e.driver import Chat, text_of
from tests.e2e.steps import book_through_chat
from tests.factories import add_office, office_spec
from tests.scale.conftest import Cluster, need_redis

DAILY = [SessionSpec(label="Pagi", start=time(8), end=time(10), rule="FREQ=DAILY")]
WAIT_S = 180.0


async def first_bookable(domain: Domain, office_id: int) -> tuple[date, int]:
    """The first date from tomorrow (office time) with a bookable session, and its slot."""
    today = local_now(domain.now(), "Asia/Jakarta").date()
    for offset in range(1, 14):
        day = today + timedelta(days=offset)
        for session in await sessions_of(domain, office_id, day):
            if session.bookable:
                return day, session.slot_id
    raise AssertionError("no bookable date in the next two weeks")


async def eventually(
    check: Callable[[], bool], what: str, cluster: Cluster, wait_s: float = WAIT_S
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while not check():
        if loop.time() > deadline:
            made = Counter(c.method for c in cluster.api.calls)
            raise AssertionError(
                f"timed out waiting for {what}; calls made: {made}\n{cluster.logs()}"
            )
        await asyncio.sleep(0.25)


async def test_one_applicants_flow_alternates_between_the_instances(cluster: Cluster) -> None:
    api, domain = cluster.api, cluster.domain
    office_id = await add_office(domain, office_spec("SCALEA", daily=10, sessions=DAILY))
    day, slot_id = await first_bookable(domain, office_id)
    chat = Chat(api, user_id=424201)

    await book_through_chat(chat, domain, office_id, day)
    (view,) = await appointments_of(domain, chat.user_id)
    assert view.slot_id == slot_id
    assert any(view.code in text_of(c) for c in chat.messages() if c.method == "sendMessage")
    # Every update went to the other instance than the one before, and was accepted.
    targets = [target for _, target, _ in api.delivered]
    assert len(targets) >= 12 and len(set(targets)) == 2
    assert all(a != b for a, b in zip(targets, targets[1:], strict=False))
    assert {status for *_, status in api.delivered} == {200}
    # The flow's state lived in Redis, where both instances read it.
    from redis.asyncio import Redis  # here: without the client the module still collects

    redis = Redis.from_url(need_redis())
    try:
        keys = [k.decode() async for k in redis.scan_iter(match=f"fsm:*{chat.user_id}*")]
    finally:
        await redis.aclose()
    assert keys, "no FSM key of the user in Redis"


async def test_a_burst_of_confirms_on_both_instances_books_exactly_the_seats(
    cluster: Cluster,
) -> None:
    api, domain = cluster.api, cluster.domain
    seats, crowd, first_user = 100, 1000, 610_000_000
    office_id = await add_office(domain, office_spec("SCALEB", daily=seats, sessions=DAILY))
    _, slot_id = await first_bookable(domain, office_id)
    await register_crowd(domain, range(first_user, first_user + crowd))
    holders = await holders_of(domain, range(first_user, first_user + crowd))

    queries = []
    for i in range(crowd):
        holder = MemberChoice(holders[first_user + i], ServiceType.NEW)
        data = cb.Confirm(slot=slot_id, group=cb.group_code([holder])).pack()
        update = api.press(first_user + i, data, message_id=1)
        queries.append(update["callback_query"]["id"])
    await api.posted()
    assert Counter(status for *_, status in api.delivered) == Counter({200: crowd})
    assert len({target for _, target, _ in api.delivered}) == 2

    def answered() -> Counter[str]:
        return Counter(
            str(c.params.get("callback_query_id")) for c in api.calls_of("answerCallbackQuery")
        )

    def all_answered() -> bool:
        counts = answered()
        return all(counts[q] for q in queries)

    await eventually(all_answered, "every answer", cluster)
    await eventually(lambda: len(api.calls_of("sendDocument")) >= seats, "the documents", cluster)
    await cluster.stop()  # what the instances would still send, they sent

    counts = answered()
    assert all(counts[q] == 1 for q in queries), "a callback answered other than once"
    async with domain.db.reader() as session:
        booked = (
            await session.exec(
                select(func.count()).select_from(Appointment).where(Appointment.slot_id == slot_id)
            )
        ).one()
        slot = (await session.exec(select(Slot).where(Slot.id == slot_id))).one()
    assert booked == seats
    assert slot.booked == seats
    assert len(api.calls_of("sendDocument")) == seats
    full = [c for c in api.calls_of("editMessageText") if "penuh" in text_of(c).lower()]
    assert len(full) == crowd - seats


async def test_due_reminders_are_sent_once_with_both_senders_running(cluster: Cluster) -> None:
    api, domain = cluster.api, cluster.domain
    now = domain.now()
    texts = {f"Pengingat uji {i}": 700_000 + i for i in range(20)}
    async with domain.db.writer() as session:
        for text, recipient in texts.items():
            await enqueue(
                session,
                recipient=recipient,
                kind="test",
                template="text",
                dedupe_key=f"scale:{recipient}",
                due_at=now,
                now=now,
                args={"text": text},
            )
        await session.commit()

    def delivered() -> Counter[str]:
        return Counter(text_of(c) for c in api.calls_of("sendMessage") if text_of(c) in texts)

    await eventually(lambda: len(delivered()) == len(texts), "every reminder", cluster, 60.0)
    await cluster.stop()  # the senders finish their sends under way: no second delivery
    assert delivered() == Counter(dict.fromkeys(texts, 1))
    async with domain.db.reader() as session:
        statuses = Counter(
            await session.exec(select(Notification.status).where(col(Notification.kind) == "test"))
        )
    assert statuses == Counter({NotificationStatus.SENT.value: len(texts)})
