"""Qualification certificates: checked, stored, served only to the owner and staff, within a size limit."""

import pytest
from sqlmodel import select

from directory.core.errors import InvalidInput, NotAllowed
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def test_certificates_are_checked_stored_and_served_only_to_owner_and_staff(client, auth, db_session):
    import io

    inst = factories.institution(admit=False)
    auth.login("institution", institution_id=inst.id)
    fake = client.post(f"/institutions/{inst.id}/attachments",
                       data={"certificate": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "证书.pdf"), "next": "/apply/services"},
                       content_type="multipart/form-data")
    assert fake.status_code == 303  # refused by content, whatever the name says
    r = client.post(f"/institutions/{inst.id}/attachments",
                    data={"certificate": (io.BytesIO(PDF), "专利代理机构执业许可证.pdf"), "next": "/apply/services"},
                    content_type="multipart/form-data")
    assert r.status_code == 302 and r.location == "/apply/services"
    from directory.admission.models import Attachment

    attachment = db_session.exec(select(Attachment)).one()
    assert attachment.filename == "专利代理机构执业许可证.pdf" and attachment.content_type == "application/pdf"
    assert client.get(f"/attachments/{attachment.id}").data == PDF
    assert "专利代理机构执业许可证.pdf" in client.get("/apply/services").get_data(as_text=True)
    auth.logout()
    assert client.get(f"/attachments/{attachment.id}").status_code == 302  # log in first
    auth.login("institution")  # another institution's user
    assert client.get(f"/attachments/{attachment.id}").status_code == 404
    auth.logout()
    auth.login("staff")
    assert client.get(f"/attachments/{attachment.id}").data == PDF


def test_certificate_size_limit(db_session):
    from directory.admission import attachments

    inst = factories.institution(admit=False)
    owner = factories.user(role="institution", institution_id=inst.id)
    with pytest.raises(InvalidInput):
        attachments.add(institution=inst, user=owner, filename="big.pdf", data=PDF + b"0" * attachments.MAX_SIZE)
    with pytest.raises(NotAllowed):
        attachments.add(institution=inst, user=factories.user(role="institution"), filename="x.pdf", data=PDF)
    assert attachments.sniff(b"\x89PNG\r\n\x1a\n....") == "image/png"
