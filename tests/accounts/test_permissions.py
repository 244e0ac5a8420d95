from types import SimpleNamespace

import pytest

from directory.accounts import permissions as p
from directory.experts.models import Expert
from directory.institutions.models import Institution


def user(role, **links):
    base = {"institution_id": None, "expert_id": None, "enterprise_id": None}
    return SimpleNamespace(is_authenticated=True, role=role, **{**base, **links})


ANON = SimpleNamespace(is_authenticated=False)
EXPERT = Expert(id=7, name="x")
INST = Institution(id=3, name="x", credit_code="x", region_id=1)


@pytest.mark.parametrize(("who", "expected"), [
    (ANON, False), (user("enterprise"), False), (user("institution", institution_id=3), False),
    (user("expert", expert_id=8), False), (user("expert", expert_id=7), True),
    (user("staff"), True), (user("admin"), True),
])
def test_expert_contact_visibility(who, expected):
    assert p.can_see_expert_contact(who, EXPERT) is expected


@pytest.mark.parametrize(("who", "expected"), [
    (ANON, False), (user("enterprise"), False), (user("institution", institution_id=4), False),
    (user("institution", institution_id=3), True), (user("staff"), True),
])
def test_institution_edit_and_unpublished_visibility(who, expected):
    assert p.can_edit_institution(who, INST) is expected
    assert p.can_see_unpublished(who, INST) is expected
