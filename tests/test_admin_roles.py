import pytest

from booking.admin.roles import (
    add_admin,
    is_admin,
    is_super,
    list_admins,
    offices_of_admin,
    remove_admin,
    require_office_admin,
)
from booking.core.errors import AdminRoleNotFound, InvalidTelegramId, NotAuthorized, OfficeNotFound
from booking.db.models import AdminRole, AuditLog
from tests.admin_helpers import rows, snapshot
from tests.factories import add_office, office_spec

SUPER, ADMIN_A, ADMIN_B, STRANGER, FROM_SETTINGS = 11, 21, 22, 99, 7


@pytest.fixture
async def offices(ctx):
    a = await add_office(ctx, office_spec("KANIM-A"), release=False)
    b = await add_office(ctx, office_spec("KANIM-B"), release=False)
    await add_admin(ctx, SUPER, None, actor="cli:root")
    await add_admin(ctx, ADMIN_A, "KANIM-A", actor="cli:root")
    await add_admin(ctx, ADMIN_B, "KANIM-B", actor="cli:root")
    return a, b


async def test_authorization_matrix(ctx, offices):
    a, b = offices
    settings_ids = {FROM_SETTINGS}
    allowed = {
        SUPER: {a, b},
        FROM_SETTINGS: {a, b},
        ADMIN_A: {a},
        ADMIN_B: {b},
        STRANGER: set(),
    }
    for user, may in allowed.items():
        for office_id in (a, b):
            if office_id in may:
                office = await require_office_admin(ctx, user, office_id, settings_ids)
                assert office.id == office_id
            else:
                with pytest.raises(NotAuthorized):
                    await require_office_admin(ctx, user, office_id, settings_ids)
        listed = {o.id for o in await offices_of_admin(ctx, user, settings_ids)}
        assert listed == may
        assert await is_admin(ctx, user, settings_ids) == bool(may)
        assert await is_super(ctx, user, settings_ids) == (user in (SUPER, FROM_SETTINGS))


async def test_unknown_office_id_is_not_revealed_to_office_admins(ctx, offices):
    with pytest.raises(NotAuthorized):
        await require_office_admin(ctx, ADMIN_A, 9999)
    with pytest.raises(OfficeNotFound):
        await require_office_admin(ctx, SUPER, 9999)


async def test_add_admin_twice_keeps_one_role_and_one_audit_row(ctx, offices):
    audit_before = len(await rows(ctx, AuditLog, AuditLog.action == "add_admin"))
    role = await add_admin(ctx, ADMIN_A, "KANIM-A", actor="cli:root")
    assert role.office_code == "KANIM-A" and not role.is_super
    assert len(await rows(ctx, AdminRole, AdminRole.telegram_id == ADMIN_A)) == 1
    assert len(await rows(ctx, AuditLog, AuditLog.action == "add_admin")) == audit_before


async def test_office_admin_of_two_offices(ctx, offices):
    a, b = offices
    await add_admin(ctx, ADMIN_A, "KANIM-B", actor="telegram:11")
    assert {o.id for o in await offices_of_admin(ctx, ADMIN_A)} == {a, b}
    audit = await rows(ctx, AuditLog, AuditLog.action == "add_admin", AuditLog.office_id == b)
    assert [r.actor for r in audit] == ["cli:root", "telegram:11"]
    assert {(r.telegram_id, r.office_code) for r in await list_admins(ctx, b)} == {
        (ADMIN_B, "KANIM-B"),
        (ADMIN_A, "KANIM-B"),
    }


async def test_remove_admin(ctx, offices):
    a, _ = offices
    await remove_admin(ctx, ADMIN_A, "KANIM-A", actor="cli:root")
    with pytest.raises(NotAuthorized):
        await require_office_admin(ctx, ADMIN_A, a)
    removed = await rows(ctx, AuditLog, AuditLog.action == "remove_admin")
    assert len(removed) == 1 and removed[0].before["telegram_id"] == ADMIN_A
    await remove_admin(ctx, SUPER, None, actor="cli:root")
    assert not await is_super(ctx, SUPER)


async def test_remove_missing_role_changes_nothing(ctx, offices):
    before = await snapshot(ctx)
    with pytest.raises(AdminRoleNotFound):
        await remove_admin(ctx, ADMIN_A, "KANIM-B", actor="cli:root")
    with pytest.raises(AdminRoleNotFound):
        await remove_admin(ctx, ADMIN_A, None, actor="cli:root")
    assert await snapshot(ctx) == before


@pytest.mark.parametrize("bad", ["abc", "-5", "0", -1, 0, True, "12.5", 2**60])
async def test_invalid_telegram_id_changes_nothing(ctx, offices, bad):
    before = await snapshot(ctx)
    with pytest.raises(InvalidTelegramId):
        await add_admin(ctx, bad, "KANIM-A", actor="cli:root")
    assert await snapshot(ctx) == before


async def test_unknown_office_code_changes_nothing(ctx, offices):
    before = await snapshot(ctx)
    with pytest.raises(OfficeNotFound):
        await add_admin(ctx, 55, "NOPE", actor="cli:root")
    assert await snapshot(ctx) == before
