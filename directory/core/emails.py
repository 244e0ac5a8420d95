"""Is this an e-mail address? The decision of email-validator with ``check_deliverability=False`` (what the
forms' ``Email()`` validator and the imports have always used), at a fraction of its cost for the common case.

An address of plain ASCII (a dot-atom local part of letters, digits, ``_ + -``; a domain of letter/digit
labels with single hyphens and a letters-only top-level domain that is not a special-use name), within the
length limits, is one email-validator always accepts: it is accepted without calling it. Anything else (an
unusual character, quotes, Unicode, a doubtful domain) goes to email-validator, whose answer is cached: an
import of 10,000 rows repeats its domains and often its addresses. tests/core/test_emails.py checks that the
two agree on every address of its corpus, accepted and refused.
"""

from __future__ import annotations

import re
from functools import lru_cache

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

_LABEL = r"[A-Za-z0-9]{1,63}(?:-[A-Za-z0-9]{1,62})*"  # no "--" anywhere (R-LDH labels); lengths checked below
PLAIN = re.compile(rf"[A-Za-z0-9_+-]{{1,64}}(?:\.[A-Za-z0-9_+-]{{1,64}})*@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}")
LOCAL_MAX, DOMAIN_MAX, ADDRESS_MAX, LABEL_MAX = 64, 253, 254, 63
_SPECIAL = frozenset(SPECIAL_USE_DOMAIN_NAMES)


def _plainly_valid(value: str) -> bool:
    if len(value) > ADDRESS_MAX or not PLAIN.fullmatch(value):
        return False
    local, _, domain = value.rpartition("@")
    labels = domain.lower().split(".")
    return (len(local) <= LOCAL_MAX and len(domain) <= DOMAIN_MAX and all(len(label) <= LABEL_MAX for label in labels)
            and labels[-1] not in _SPECIAL)


@lru_cache(maxsize=4096)
def _validated(value: str) -> bool:
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def is_email(value: str) -> bool:
    """Whether email-validator (no DNS lookups) accepts ``value`` as an address."""
    return _plainly_valid(value) or _validated(value)
