"""统一社会信用代码 (GB 32100-2015) and 组织机构代码 (GB 11714-1997) check digits.

The credit code is 18 characters: registration authority (1), organisation type (1), administrative
division (6), organisation code (9, itself ending in a GB 11714 check digit) and a final check digit.
Letters I, O, Z, S and V never occur, so a typo such as O for 0 is caught by the character set alone.
"""

from __future__ import annotations

CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


class InvalidCreditCode(ValueError):
    """The text is not a valid 统一社会信用代码; ``reason`` is a short machine-readable cause."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _org_value(ch: str) -> int:
    if ch.isdigit():
        return int(ch)
    if "A" <= ch <= "Z":
        return ord(ch) - 55
    raise InvalidCreditCode("charset")


def org_code_check_digit(body: str) -> str:
    """Return the GB 11714 check character for the first eight characters of an organisation code."""
    total = sum(_org_value(c) * w for c, w in zip(body, ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def credit_code_check_digit(body: str) -> str:
    """Return the GB 32100 check character for the first seventeen characters of a credit code."""
    try:
        total = sum(CREDIT_CHARSET.index(c) * w for c, w in zip(body, CREDIT_WEIGHTS, strict=True))
    except ValueError as exc:
        raise InvalidCreditCode("charset") from exc
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def normalize_credit_code(text: str) -> str:
    """Strip spaces and upper-case, the way people paste codes from licences."""
    return "".join(text.split()).upper()


def validate_credit_code(text: str) -> str:
    """Return the normalised code, or raise :class:`InvalidCreditCode`.

    Checks length, character set, the embedded organisation-code check digit and the final check digit.
    """
    code = normalize_credit_code(text)
    if len(code) != 18:
        raise InvalidCreditCode("length")
    if any(c not in CREDIT_CHARSET for c in code):
        raise InvalidCreditCode("charset")
    if not code[2:8].isdigit():
        raise InvalidCreditCode("division")
    org = code[8:17]
    if org_code_check_digit(org[:8]) != org[8]:
        raise InvalidCreditCode("org_check_digit")
    if credit_code_check_digit(code[:17]) != code[17]:
        raise InvalidCreditCode("check_digit")
    return code


def make_credit_code(prefix: str, division: str, org_body: str) -> str:
    """Build a valid code from its parts (for demo data and tests): ``prefix`` is two characters
    (e.g. ``"91"`` for a company), ``division`` six digits, ``org_body`` eight characters."""
    org = org_body + org_code_check_digit(org_body)
    body = prefix + division + org
    return body + credit_code_check_digit(body)
