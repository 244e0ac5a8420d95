"""The OpenAPI description says exactly what the API does (CONTRACTS.md, issue 14 item 6): Schemathesis, run as
an integrator would run it (`schemathesis run …/api/v1/openapi.json --checks all`), finds nothing.

The API is served by a live server on its own committed SQLite database with a small directory indexed in the
real Meilisearch. The run is bounded (examples per operation, a fixed seed that ``SCHEMATHESIS_SEED`` overrides)
so it stays well under a minute."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from datetime import date
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from directory.core.db import commit_or_rollback
from directory.extensions import db
from tests.conftest import make_test_app

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # a thousand lines of access log would bury a failure
        pass


@pytest.fixture(scope="module")
def api_server(tmp_path_factory, meili):
    from search.drain import run_drain
    from tests import factories

    app, _schema = make_test_app("sqlite", tmp_path_factory.mktemp("openapi"), meili, f"o{uuid.uuid4().hex[:8]}_")
    with app.app_context():
        with commit_or_rollback(db.session):
            factories.institution(name="营口智诚知识产权代理有限公司", categories=("专利代理", "商标代理"),
                                  offerings=("发明专利申请代理", "商标注册代理"))
            factories.institution(name="营口鲅鱼圈检验检测有限公司", categories=("产品检验检测",), region="鲅鱼圈区")
            factories.institution(name="营口未入库咨询有限公司", admit=False)
            factories.expert(name="刘知远", expertise=("知识产权贯标", "专利布局"))
            from tests.notices.helpers import notice

            notice(kind="policy", title="营口市知识产权质押融资补助办法", document_number="营市监发〔2026〕3号",
                   issuer="营口市市场监督管理局", categories=("知识产权",), expires_on=date(2027, 12, 31))
            notice(title="关于开展服务机构入库申报的通知")
            notice(kind="policy", title="未发布的政策", publish=False)
        run_drain(search=app.extensions["search"])
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    app.extensions["database_engine"].dispose()


@pytest.mark.timeout(240)
def test_schemathesis_finds_nothing(api_server, tmp_path):
    command = [
        str(SCHEMATHESIS), "run", f"{api_server}/api/v1/openapi.json",
        "--checks", "all", "--mode", "all", "--phases", "examples,coverage,fuzzing,stateful",
        "--max-examples", os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "40"),
        "--seed", os.environ.get("SCHEMATHESIS_SEED", "14"),
        "--workers", "1", "--request-timeout", "10", "--generation-database", "none",
        "--suppress-health-check", "too_slow", "--no-color", "--warnings", "off",
    ]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=230,
                            env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false"})
    assert result.returncode == 0, result.stdout + result.stderr
