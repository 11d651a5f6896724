"""Account changes that would lock an organisation out, or make no sense, are refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from course.domain.permissions import Actor, Capability, Grants
from course.services import accounts
from course.services.accounts import AccountError

MakePerson = Callable[..., Actor]


def test_an_admin_cannot_disable_their_own_account(engine: Engine, make_person: MakePerson) -> None:
    admin = make_person("root@example.org", capabilities="admin")
    with pytest.raises(AccountError, match="your own account"):
        accounts.set_active(engine, "root@example.org", active=False, by=admin)
    other = make_person("lee@example.org")
    assert accounts.set_active(engine, "lee@example.org", active=False, by=admin).active is False
    assert other.person_id != admin.person_id


@pytest.mark.parametrize(("grants", "message"), [
    (Grants(frozenset()), "at least one capability"),
    (Grants(frozenset({Capability.LEARNER}), frozenset({"legal"})), "only for people with the leader"),
])
def test_empty_or_inconsistent_capabilities_are_refused(
    engine: Engine, make_person: MakePerson, grants: Grants, message: str
) -> None:
    admin = make_person("root@example.org", capabilities="admin")
    make_person("lee@example.org")
    with pytest.raises(AccountError, match=message):
        accounts.add_account(engine, "new@example.org", name="New", grants=grants, by=admin)
    with pytest.raises(AccountError, match=message):
        accounts.set_capabilities(engine, "lee@example.org", grants=grants, by=admin)
