"""The review tests' shared record: a completed engagement with its client, its provider and a staff member."""

import pytest

from tests import factories


@pytest.fixture
def done(db_session):
    inst = factories.institution()
    client = factories.enterprise()
    engagement = factories.engagement(enterprise_obj=client, institution_obj=inst, status="completed")
    return {"engagement": engagement, "institution": inst,
            "client": factories.user(role="enterprise", enterprise_id=client.id),
            "provider": factories.user(role="institution", institution_id=inst.id),
            "staff": factories.user(role="staff")}
