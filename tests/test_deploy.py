"""The Procfile and deploy/ agree with each other and with the app (CONTRACTS.md, "Processes in production"):
gunicorn loads its config and the app, the systemd units run the Procfile's commands, nginx lets the app's
uploads through and waits longer than gunicorn, and the env template names every variable the code reads."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from directory.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
BIN = Path(sys.executable).parent
CONTRACTS = PROJECT_ROOT.parent / "shared" / "docs" / "CONTRACTS.md"


def procfile() -> dict[str, str]:
    lines = (PROJECT_ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))


def gunicorn(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "deploy-test",
                   "MEILI_URL": "http://127.0.0.1:9", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                   **env}
    web = procfile()["web"].split()
    assert web[0] == "gunicorn"
    return subprocess.run([str(BIN / "gunicorn"), *web[1:], *args], cwd=PROJECT_ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_the_procfile_names_web_and_worker():
    assert procfile() == {"web": "gunicorn -c deploy/gunicorn.conf.py wsgi:app",
                          "worker": "flask --app wsgi jobs worker"}
    config = procfile()["web"].split("-c ", 1)[1].split()[0]
    assert (PROJECT_ROOT / config).is_file()


def test_gunicorn_loads_its_config_and_the_app(tmp_path):
    checked = gunicorn(tmp_path, "--check-config")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_gunicorn_settings_follow_the_environment(tmp_path):
    def settings(**env: str) -> dict[str, str]:
        printed = gunicorn(tmp_path, "--print-config", **env)
        assert printed.returncode == 0, printed.stderr
        return dict(re.findall(r"^(\w+)\s*=\s*(.*)$", printed.stdout, re.M))

    default = settings()
    assert (default["bind"], default["preload_app"], default["accesslog"], default["worker_class"]) == (
        "['127.0.0.1:8000']", "False", "None", "sync")
    assert int(default["workers"]) == min(2 * os.cpu_count() + 1, 12)  # type: ignore[operator]
    tuned = settings(WEB_CONCURRENCY="3", GUNICORN_THREADS="4", GUNICORN_BIND="0.0.0.0:8100",
                     GUNICORN_TIMEOUT="30", LOG_LEVEL="WARNING")
    assert (tuned["workers"], tuned["threads"], tuned["worker_class"], tuned["bind"], tuned["timeout"],
            tuned["loglevel"]) == ("3", "4", "gthread", "['0.0.0.0:8100']", "30", "warning")


def unit(name: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in (DEPLOY / "systemd" / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            values.setdefault(key, []).append(value)
    return values


@pytest.mark.parametrize(("name", "process"), [
    ("directory-web.service", "web"), ("directory-worker.service", "worker"), ("directory-worker@.service", "worker"),
])
def test_the_systemd_units_run_the_procfile_commands(name, process):
    service = unit(name)
    [command] = service["ExecStart"]
    [workdir] = service["WorkingDirectory"]
    assert command == f"{workdir}/.venv/bin/{procfile()[process]}"
    assert service["EnvironmentFile"] == ["/etc/directory/env"]
    assert service["ReadWritePaths"] == [f"{workdir}/instance"]  # the only place the app writes
    assert service["User"] == ["directory"]
    if name.startswith("directory-worker"):
        assert service["KillSignal"] == ["SIGINT"]  # finish the running jobs, then stop
    if "@" in name:
        assert "%i" in service["Description"][0]


def nginx() -> str:
    return (DEPLOY / "nginx" / "directory.conf").read_text()


def nginx_size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()  # type: ignore[union-attr]
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]


def test_nginx_lets_the_apps_largest_upload_through(app):
    [limit] = re.findall(r"client_max_body_size\s+(\w+);", nginx())
    assert nginx_size(limit) >= app.config["MAX_CONTENT_LENGTH"]


def test_nginx_waits_longer_than_gunicorn(tmp_path):
    [read] = re.findall(r"proxy_read_timeout\s+(\d+)s;", nginx())
    printed = gunicorn(tmp_path, "--print-config")
    timeout = int(re.search(r"^timeout\s*=\s*(\d+)$", printed.stdout, re.M).group(1))  # type: ignore[union-attr]
    assert int(read) > timeout


def test_nginx_site_serves_tls_static_files_and_forwards_what_the_app_reads():
    site = nginx()
    assert re.search(r"listen 80;.*?return 301 https://\$host\$request_uri;", site, re.S)
    assert re.search(r"listen 443 ssl", site) and "ssl_certificate " in site and "ssl_certificate_key " in site
    [static] = re.findall(r"location /static/ \{\s*alias (\S+);", site)
    assert static.endswith("/directory/static/") and (PROJECT_ROOT / "directory" / "static" / "app.css").exists()
    assert 'Cache-Control "public, max-age=31536000, immutable"' in site and "instance" not in static
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Request-ID"):
        assert re.search(rf"proxy_set_header {header} \$", site), header
    # nginx's own log never shows a reset token either
    assert "/password/reset/)" in site and "$request_uri" not in site.split("log_format", 1)[1].split(";")[0]


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed (apt-get install nginx)")
def test_nginx_accepts_the_site(tmp_path):
    """``nginx -t`` on the site as shipped, with a throw-away certificate in place of the real one."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True)
    site = (nginx().replace("/etc/ssl/directory/fullchain.pem", str(tmp_path / "cert.pem"))
            .replace("/etc/ssl/directory/privkey.pem", str(tmp_path / "key.pem"))
            .replace("/var/log/nginx/", f"{tmp_path}/"))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
                                         f"events {{}}\nhttp {{ include {tmp_path}/site.conf; }}\n")
    checked = subprocess.run(["nginx", "-t", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def variables_the_code_reads() -> set[str]:
    names: set[str] = set()
    sources = [*PROJECT_ROOT.joinpath("directory").rglob("*.py"), *PROJECT_ROOT.joinpath("search").rglob("*.py"),
               DEPLOY / "gunicorn.conf.py"]
    pattern = re.compile(r"""(?:\benv\.get\(|os\.environ\.get\(|os\.environ\[|getenv\()\s*['"]([A-Z][A-Z0-9_]+)['"]""")
    for path in sources:
        names.update(pattern.findall(path.read_text(encoding="utf-8")))
    return names


def test_the_env_template_names_every_variable():
    template = (DEPLOY / "env.example").read_text()
    named = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", template, re.M))
    wanted = variables_the_code_reads()
    assert {"APP_ENV", "SECRET_KEY", "SITE_URL", "DATABASE_URL", "LOG_LEVEL", "TRUSTED_PROXIES"} <= wanted
    if CONTRACTS.exists():  # ../shared beside the checkout: the table of CONTRACTS.md "Configuration"
        section = CONTRACTS.read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
        for row in section.split("| variable |", 1)[1].splitlines()[2:]:
            if row.startswith("|"):
                wanted |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1]))
    assert wanted - named == set()
    # Every line that sets a variable has a Chinese comment right above it.
    lines = template.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^#? ?[A-Z][A-Z0-9_]+=", line) and not re.match(r"^#? ?[A-Z][A-Z0-9_]+=", lines[i - 1]):
            assert re.search(r"[\u4e00-\u9fff]", lines[i - 1]), line


def test_static_urls_carry_a_content_hash(app, client, db_session, tmp_path):
    from flask import url_for

    with app.test_request_context():
        url = url_for("static", filename="app.css")
        missing = url_for("static", filename="no-such-file.css")
    digest = re.fullmatch(r"/static/app\.css\?v=([0-9a-f]{12})", url).group(1)  # type: ignore[union-attr]
    import hashlib

    assert digest == hashlib.sha256((PROJECT_ROOT / "directory/static/app.css").read_bytes()).hexdigest()[:12]
    assert missing == "/static/no-such-file.css"
    served = client.get(url)
    assert served.status_code == 200
    served.close()
    assert f'href="{url}"' in client.get("/login").get_data(as_text=True)


def test_the_deployment_guide_is_linked_from_the_readme():
    guide = PROJECT_ROOT / "docs" / "deploy.zh-CN.md"
    assert guide.is_file()
    assert "docs/deploy.zh-CN.md" in (PROJECT_ROOT / "README.md").read_text()
    text = guide.read_text()
    for must in ("flask --app wsgi db upgrade", "flask --app wsgi search reindex", "pg_dump", "pg_restore",
                 "/healthz", "flask --app wsgi jobs status", "Procfile", "deploy/env.example"):
        assert must in text, must
