import pytest

from directory.core.creditcode import (
    InvalidCreditCode,
    make_credit_code,
    org_code_check_digit,
    validate_credit_code,
)


def test_known_valid_code():
    assert validate_credit_code("91350100M000100Y43") == "91350100M000100Y43"


def test_normalises_spaces_and_case():
    assert validate_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"


@pytest.mark.parametrize(("code", "reason"), [
    ("91350100M000100Y4", "length"),
    ("91350100M000100Y44", "check_digit"),
    ("91350100M000100YO3", "charset"),  # the letter O never occurs
    ("9135010OM000100Y43", "charset"),
    ("913501AAM000100Y43", "division"),
])
def test_rejects_invalid(code, reason):
    with pytest.raises(InvalidCreditCode) as exc:
        validate_credit_code(code)
    assert exc.value.reason == reason


def test_org_code_check_digit_is_checked_separately():
    good = make_credit_code("91", "210804", "MA0U2Y3K")
    org_digit = good[16]
    wrong = next(c for c in "0123456789X" if c != org_digit and c in "0123456789")
    body = good[:16] + wrong
    from directory.core.creditcode import credit_code_check_digit

    forged = body + credit_code_check_digit(body)  # final digit right, embedded one wrong
    with pytest.raises(InvalidCreditCode) as exc:
        validate_credit_code(forged)
    assert exc.value.reason == "org_check_digit"


def test_org_code_gb11714_example():
    # GB 11714 worked example: D2143569 → check digit X
    assert org_code_check_digit("D2143569") == "X"
