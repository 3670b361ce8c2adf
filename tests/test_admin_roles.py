import pytest
from sqlmodel import col

from booking.admin.roles import (
    add_admin,
    counter_offices,
    grant_counter_staff,
    is_admin,
    is_super,
    list_admins,
    list_counter_staff,
    offices_of_admin,
    remove_admin,
    require_counter_role,
    require_office_admin,
    revoke_counter_staff,
    role_of,
)
from booking.core.errors import (
    AdminRoleNotFound,
    CounterStaffNotFound,
    InvalidTelegramId,
    NotAuthorized,
    OfficeNotFound,
)
from booking.core.kinds import StaffRole
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


# --- counter staff (petugas loket) ---------------------------------------------------

COUNTER_A = 31


async def test_the_authorization_matrix_with_the_counter_role(ctx, offices):
    a, b = offices
    await grant_counter_staff(ctx, COUNTER_A, "KANIM-A", actor="telegram:21")
    settings_ids = {FROM_SETTINGS}
    roles = {
        SUPER: {a: StaffRole.SUPER_ADMIN, b: StaffRole.SUPER_ADMIN},
        FROM_SETTINGS: {a: StaffRole.SUPER_ADMIN, b: StaffRole.SUPER_ADMIN},
        ADMIN_A: {a: StaffRole.OFFICE_ADMIN, b: None},
        COUNTER_A: {a: StaffRole.COUNTER_STAFF, b: None},
        STRANGER: {a: None, b: None},
    }
    for user, at in roles.items():
        for office_id, role in at.items():
            assert await role_of(ctx, user, office_id, settings_ids) is role, (user, office_id)
            if role is None:
                with pytest.raises(NotAuthorized):
                    await require_counter_role(ctx, user, office_id, settings_ids)
            else:
                assert await require_counter_role(ctx, user, office_id, settings_ids) is role
    # Counter staff are not admins: no quotas, no admin menu.
    assert not await is_admin(ctx, COUNTER_A)
    with pytest.raises(NotAuthorized):
        await require_office_admin(ctx, COUNTER_A, a)
    assert [o.code for o in await counter_offices(ctx, COUNTER_A)] == ["KANIM-A"]
    assert [o.code for o in await counter_offices(ctx, ADMIN_B)] == ["KANIM-B"]
    assert {o.code for o in await counter_offices(ctx, FROM_SETTINGS, settings_ids)} == {
        "KANIM-A",
        "KANIM-B",
    }
    assert await counter_offices(ctx, STRANGER) == []


async def test_grant_and_revoke_counter_staff_are_audited(ctx, offices):
    a, _ = offices
    await grant_counter_staff(ctx, COUNTER_A, "kanim-a", actor="telegram:21")
    again = await grant_counter_staff(ctx, str(COUNTER_A), "KANIM-A", actor="telegram:21")
    assert (again.telegram_id, again.office_code) == (COUNTER_A, "KANIM-A")
    assert await list_counter_staff(ctx, a) == [COUNTER_A]
    await revoke_counter_staff(ctx, COUNTER_A, "KANIM-A", actor="telegram:21")
    assert await list_counter_staff(ctx, a) == []
    assert await role_of(ctx, COUNTER_A, a) is None
    audit = await rows(
        ctx, AuditLog, col(AuditLog.action).in_(["grant_counter_staff", "revoke_counter_staff"])
    )
    assert [(x.action, x.actor, x.office_id) for x in audit] == [
        ("grant_counter_staff", "telegram:21", a),
        ("revoke_counter_staff", "telegram:21", a),
    ]
    before = await snapshot(ctx)
    with pytest.raises(CounterStaffNotFound):
        await revoke_counter_staff(ctx, COUNTER_A, "KANIM-A", actor="t")
    with pytest.raises(InvalidTelegramId):
        await grant_counter_staff(ctx, "abc", "KANIM-A", actor="t")
    with pytest.raises(OfficeNotFound):
        await grant_counter_staff(ctx, COUNTER_A, "NOPE", actor="t")
    assert await snapshot(ctx) == before
