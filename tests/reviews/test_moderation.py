"""What happens to a stored review: the provider's response and public reply, staff moderation (hidden text
still counts, invalid reviews do not). The follow-up loop to closure is in test_services.py; approval of held
reviews in test_trust.py."""

import pytest

from directory.core.errors import InvalidInput, NotAllowed
from directory.reviews import moderation, services
from tests.reviews.test_services import BAD, GOOD


def test_hidden_text_still_counts_invalid_reviews_do_not(db_session, done):
    r = services.submit_review(user=done["client"], engagement=done["engagement"], data=BAD)
    rating = done["institution"].rating_value
    with pytest.raises(InvalidInput):
        moderation.moderate(user=done["staff"], review=r, action="hide", reason="")
    moderation.moderate(user=done["staff"], review=r, action="hide", reason="含辱骂内容")
    assert r.hidden and done["institution"].rating_value == rating
    moderation.moderate(user=done["staff"], review=r, action="invalidate", reason="非真实服务对象")
    assert done["institution"].rating_value is None and done["institution"].rating_count == 0
    with pytest.raises(NotAllowed):
        moderation.moderate(user=done["provider"], review=r, action="validate", reason="x")


def test_the_provider_replies_publicly(client, db_session, done):
    r = services.submit_review(user=done["client"], engagement=done["engagement"], data=GOOD)
    with pytest.raises(NotAllowed):
        moderation.reply(user=done["client"], review=r, text="x")
    moderation.reply(user=done["provider"], review=r, text="感谢认可")
    page = client.get(f"/institutions/{done['institution'].id}").get_data(as_text=True)
    assert "感谢认可" in page and "很专业" in page and 'id="rating-distribution"' in page
