"""The government service frame: sponsor, hotline, 备案号 and 网站标识码 from the settings, each shown only when
set; the site map and the accessibility statement linked from every page's footer."""

from __future__ import annotations

import dataclasses

import pytest

from directory.settings import Settings, SettingsError

FRAME = {"SITE_SPONSOR": "营口市中小企业服务中心", "SITE_HOTLINE": "0417-12345", "SITE_ICP": "辽ICP备12345678号",
         "SITE_PSB": "辽公网安备21080202000001号", "SITE_IDENTIFIER": "2108000001"}


def test_the_frame_settings_are_read_and_checked(tmp_path):
    settings = Settings.from_env({"SECRET_KEY": "k", **FRAME, "SITE_HOTLINE": "  0417-12345 "},
                                 instance_path=tmp_path)
    assert (settings.site_sponsor, settings.site_hotline, settings.site_icp, settings.site_psb,
            settings.site_identifier) == tuple(FRAME.values())
    unset = Settings.from_env({"SECRET_KEY": "k", "SITE_ICP": " "}, instance_path=tmp_path)
    assert unset.site_sponsor is None and unset.site_icp is None
    with pytest.raises(SettingsError, match="SITE_SPONSOR"):
        Settings.from_env({"SECRET_KEY": "k", "SITE_SPONSOR": "甲\n乙"}, instance_path=tmp_path)


@pytest.fixture
def framed(app):
    saved = app.config["SETTINGS"]
    app.config["SETTINGS"] = dataclasses.replace(saved, site_sponsor=FRAME["SITE_SPONSOR"],
                                                 site_hotline=FRAME["SITE_HOTLINE"], site_icp=FRAME["SITE_ICP"],
                                                 site_psb=FRAME["SITE_PSB"],
                                                 site_identifier=FRAME["SITE_IDENTIFIER"])
    yield
    app.config["SETTINGS"] = saved


def test_header_and_footer_show_what_is_set(framed, client, db_session):
    page = client.get("/").get_data(as_text=True)
    for value in FRAME.values():
        assert value in page
    assert 'href="https://beian.miit.gov.cn/"' in page
    assert "code=21080202000001" in page  # the register looks the site up by the number's digits
    assert "主办单位" in page and "服务热线" in page and "网站标识码" in page and 'id="frame-top"' in page


def test_nothing_unset_is_shown(client, db_session):
    assert client.application.config["SETTINGS"].site_icp is None
    page = client.get("/").get_data(as_text=True)
    assert 'id="frame-top"' not in page and "frame-icp" not in page and "主办单位" not in page
    # the links to the site map and the accessibility statement are there whatever is set
    assert 'href="/sitemap"' in page and 'href="/accessibility"' in page


def test_site_map_and_accessibility_statement(client, db_session):
    site_map = client.get("/sitemap").get_data(as_text=True)
    assert "网站地图" in site_map and 'href="/policies"' in site_map and 'href="/notices"' in site_map
    statement = client.get("/accessibility").get_data(as_text=True)
    assert "无障碍声明" in statement and "GB/T 37668-2019" in statement
