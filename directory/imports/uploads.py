"""Uploaded import files wait under ``instance/imports/`` between the preview and the confirmation."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from flask import current_app

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
SUFFIXES = (".xlsx", ".csv")


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store(data: bytes, suffix: str) -> str:
    """Keep an uploaded file; returns the token that names it (never a user-supplied name)."""
    if suffix not in SUFFIXES:
        raise ValueError(suffix)
    token = secrets.token_urlsafe(24)
    (_folder() / f"{token}{suffix}").write_bytes(data)
    return token


def path_for(token: str) -> Path | None:
    """The stored file of a token, or None (unknown or malformed tokens never reach the file system)."""
    if not TOKEN_RE.match(token):
        return None
    for suffix in SUFFIXES:
        path = _folder() / f"{token}{suffix}"
        if path.is_file():
            return path
    return None


def discard(token: str) -> None:
    path = path_for(token)
    if path is not None:
        path.unlink(missing_ok=True)
