"""No role is compared as a string: every check goes through ``directory.accounts.permissions`` or the ``Role``
enum, so a renamed or added role cannot be missed by a copy of its spelling somewhere."""

from __future__ import annotations

import ast
from pathlib import Path

from directory.accounts.models import Role

ROOT = Path(__file__).resolve().parents[2]
ROLE_NAMES = {r.value for r in Role}


def _is_role(node: ast.expr) -> bool:
    """``x.role``, ``x.role.data``, ``role``, ``getattr(x, "role"…)``, or ``str(`` one of these ``)``."""
    if isinstance(node, ast.Attribute) and node.attr == "data":
        node = node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id == "str" and len(node.args) == 1:
            return _is_role(node.args[0])
        if node.func.id == "getattr" and len(node.args) >= 2:
            name = node.args[1]
            return isinstance(name, ast.Constant) and name.value == "role"
    return (isinstance(node, ast.Attribute) and node.attr == "role") or (
        isinstance(node, ast.Name) and node.id == "role")


def _role_literal(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value in ROLE_NAMES
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_role_literal(e) for e in node.elts)
    return False


def role_literal_checks(source: str, filename: str = "<source>") -> list[int]:
    """The lines of ``source`` that compare a role with a string literal."""
    lines = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_is_role(o) for o in operands) and any(_role_literal(o) for o in operands):
                lines.append(node.lineno)
    return lines


def test_the_scan_finds_a_literal_check():
    for source in ('if user.role == "admin": pass', 'ok = getattr(user, "role", None) != "enterprise"',
                   'ok = str(current_user.role) in ("staff", "admin")', 'q = select(User).where(User.role == "expert")',
                   'ok = "institution" == form.role.data'):
        assert role_literal_checks(source) == [1], source
    for source in ('if user.role == Role.ADMIN: pass', 'ok = permissions.is_staff(user)', 'ok = user.name == "admin"'):
        assert role_literal_checks(source) == [], source


def test_no_role_is_compared_as_a_string():
    hits = [f"{path.relative_to(ROOT)}:{line}"
            for package in ("directory", "search") for path in sorted((ROOT / package).rglob("*.py"))
            for line in role_literal_checks(path.read_text(encoding="utf-8"), str(path))]
    assert hits == [], "compare roles through directory.accounts.permissions or Role: " + ", ".join(hits)
