"""The templates' translation calls (directory.core.i18n.install_template_gettext): the request's language,
and a language changed within the request (Flask-Babel's force_locale and refresh) followed at once."""

from flask import render_template_string
from flask_babel import force_locale, refresh

from directory.core.i18n import LANG_COOKIE


def _page() -> str:
    return render_template_string("{{ _('Search') }}|{{ ngettext('%(num)d review', '%(num)d reviews', 2) }}")


def test_templates_speak_the_requests_language_and_follow_a_change_within_it(app):
    with app.test_request_context("/"):
        assert _page() == "搜索|2 条评价"
        with force_locale("en"):
            assert _page() == "Search|2 reviews"
        assert _page() == "搜索|2 条评价"
    with app.test_request_context("/", headers={"Cookie": f"{LANG_COOKIE}=en"}):
        assert _page() == "Search|2 reviews"
        refresh()
        assert _page() == "Search|2 reviews"
    with app.app_context():  # a job's mail: the default language, no request
        assert _page() == "搜索|2 条评价"
