"""Uploaded files (certificates, notice attachments): checked by content, not by the name the browser sends,
and stored under ``instance/attachments/`` with a random name, outside the web root."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import current_app

# Magic numbers of the formats a scan or a document comes in.
SIGNATURES = {b"%PDF-": "application/pdf", b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def folder() -> Path:
    """Where uploads are kept (created on first use)."""
    path = Path(current_app.instance_path) / "attachments"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sniff(data: bytes) -> str | None:
    """The content type from the file's first bytes, or None for anything but PDF, PNG and JPEG."""
    for signature, content_type in SIGNATURES.items():
        if data.startswith(signature):
            return content_type
    return None


def store(data: bytes) -> str:
    """Write ``data`` under a new random name and return that name. The file stays even if the transaction
    that records it rolls back (an orphan costs disk, a row without its file would cost the download)."""
    stored = secrets.token_hex(16)
    (folder() / stored).write_bytes(data)
    return stored


def stored_file(stored_name: str) -> Path | None:
    """The file kept under ``stored_name``, or None when it is gone."""
    path = folder() / stored_name
    return path if path.is_file() else None


def send(path: Path, *, content_type: str, filename: str) -> Any:
    """The response of a stored file: a PDF downloads, an image shows. Files are small (≤ 10 MB): read
    whole rather than leave a file handle to the WSGI server."""
    import io

    from flask import send_file

    return send_file(io.BytesIO(path.read_bytes()), mimetype=content_type, download_name=filename,
                     as_attachment=content_type == "application/pdf")
