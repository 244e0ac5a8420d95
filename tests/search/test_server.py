"""The managed Meilisearch's environment (search.server.certificate_environment): Meilisearch 1.21 loads the
trusted roots on every federated search, so the process reads them from one bundle and an empty directory
rather than from the bundle and then every file of /etc/ssl/certs again."""

import json
import os
import secrets
import time
from pathlib import Path

import pytest
import urllib3

from directory.settings import Settings
from search import server


def _bundle() -> str:
    bundle = next((path for path in server.CA_BUNDLES if Path(path).is_file()), None)
    if bundle is None:
        pytest.skip("this machine has no certificate bundle file")
    return bundle


def test_the_roots_come_from_one_bundle_and_the_directory_is_empty(tmp_path):
    bundle = _bundle()
    env = server.certificate_environment(tmp_path, {"PATH": "/usr/bin", "SSL_CERT_DIR": "/etc/ssl/certs"})
    assert env["SSL_CERT_FILE"] == bundle and env["PATH"] == "/usr/bin"
    assert Path(env["SSL_CERT_DIR"]).is_dir() and not any(Path(env["SSL_CERT_DIR"]).iterdir())


def test_an_operators_own_bundle_is_kept_and_without_any_bundle_nothing_changes(tmp_path, monkeypatch):
    own = tmp_path / "roots.pem"
    own.write_text("")
    assert server.certificate_environment(tmp_path, {"SSL_CERT_FILE": str(own)})["SSL_CERT_FILE"] == str(own)
    monkeypatch.setattr(server, "CA_BUNDLES", (str(tmp_path / "missing.crt"),))
    untouched = {"SSL_CERT_DIR": "/etc/ssl/certs"}
    assert server.certificate_environment(tmp_path / "d", untouched) == untouched
    assert server.certificate_environment(tmp_path / "d", {"SSL_CERT_FILE": str(tmp_path / "gone.pem")}) == \
        {"SSL_CERT_FILE": str(tmp_path / "gone.pem")}


def _bytes_read(pid: int) -> int:
    # rchar: what the process passed to read(2) and its kind; the index itself is memory-mapped (not counted).
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar line")


def test_a_federated_search_reads_the_trusted_roots_once_not_twice(tmp_path, monkeypatch):
    bundle = _bundle()
    if not Path("/proc/self/io").exists():
        pytest.skip("no /proc/<pid>/io here")
    # Both, as this machine's own environment has them (and as Meilisearch finds them when neither is set).
    monkeypatch.setenv("SSL_CERT_FILE", bundle)
    monkeypatch.setenv("SSL_CERT_DIR", str(Path(bundle).parent))
    key = secrets.token_urlsafe(24)
    binary = server.find_binary(Settings.from_env({"MEILI_URL": "http://unused"}, instance_path=tmp_path))
    info, proc = server.start(binary, data_dir=tmp_path / "meili", master_key=key, detach=False)
    try:
        environ = dict(item.split("=", 1) for item in
                       Path(f"/proc/{info.pid}/environ").read_text().split("\0") if "=" in item)
        assert environ["SSL_CERT_FILE"] == bundle and environ["SSL_CERT_DIR"] != str(Path(bundle).parent)
        pool = urllib3.PoolManager()
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        task = json.loads(pool.request("POST", f"{info.url}/indexes/t/documents", headers=headers,
                                       body=json.dumps([{"id": 1, "name": "专利"}]).encode()).data)
        deadline = time.monotonic() + 30
        while json.loads(pool.request("GET", f"{info.url}/tasks/{task['taskUid']}", headers=headers).data)[
                "status"] not in ("succeeded", "failed") and time.monotonic() < deadline:
            time.sleep(0.05)
        body = json.dumps({"queries": [{"indexUid": "t", "q": "专利"}], "federation": {"limit": 1}}).encode()
        answer = pool.request("POST", f"{info.url}/multi-search", headers=headers, body=body)
        assert answer.status == 200 and json.loads(answer.data)["hits"]
        before = _bytes_read(info.pid)
        for _ in range(5):
            pool.request("POST", f"{info.url}/multi-search", headers=headers, body=body)
        per_search = (_bytes_read(info.pid) - before) / 5
        # Meilisearch 1.21 builds an HTTPS client, and loads the roots, for each federated search: from the
        # bundle alone that is the bundle's size; with /etc/ssl/certs as well it was twice that.
        assert per_search <= os.path.getsize(bundle) * 1.2, per_search
    finally:
        proc.terminate()
        proc.wait(timeout=20)
