"""The "now serving" page's key: made on first use, checked, rotated (audited)."""

from __future__ import annotations

import asyncio

import pytest

from booking.core.errors import DisplayKeyInvalid
from booking.db.models import AuditLog
from booking.queue.display import display_key, office_for_display, rotate_display_key
from tests.admin_helpers import rows
from tests.queue_helpers import queue_office


async def test_the_key_is_made_once_and_opens_the_page(ctx):
    office = await queue_office(ctx)
    keys = await asyncio.gather(*(display_key(ctx, office) for _ in range(3)))
    assert len(set(keys)) == 1 and len(keys[0]) >= 20
    assert await display_key(ctx, office) == keys[0]
    assert (await office_for_display(ctx, "test", keys[0])).id == office


@pytest.mark.parametrize("key", [None, "", "wrong", "x" * 300])
async def test_a_wrong_or_missing_key_is_refused(ctx, key):
    office = await queue_office(ctx)
    await display_key(ctx, office)
    with pytest.raises(DisplayKeyInvalid):
        await office_for_display(ctx, "TEST", key)


async def test_no_key_yet_and_unknown_offices_are_refused(ctx):
    await queue_office(ctx)
    with pytest.raises(DisplayKeyInvalid):
        await office_for_display(ctx, "TEST", "anything")
    with pytest.raises(DisplayKeyInvalid):
        await office_for_display(ctx, "NOPE", "anything")


async def test_rotating_refuses_the_old_key(ctx):
    office = await queue_office(ctx)
    old = await display_key(ctx, office)
    new = await rotate_display_key(ctx, office, actor="telegram:5")
    assert new != old and await display_key(ctx, office) == new
    with pytest.raises(DisplayKeyInvalid):
        await office_for_display(ctx, "TEST", old)
    assert (await office_for_display(ctx, "TEST", new)).id == office
    (audit,) = await rows(ctx, AuditLog, AuditLog.action == "rotate_display_key")
    assert audit.actor == "telegram:5" and audit.after is None  # the key is not logged
