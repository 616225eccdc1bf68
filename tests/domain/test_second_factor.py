"""TOTP steps and drift, secret derivation, and the code formats of the second factor."""

import uuid

import pyotp
import pytest

from server.domain import second_factor
from server.errors import InvalidArgument

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# A moment in the middle of a 30-second step.
NOW = 1_700_000_015.0


def test_step_of_current_code():
    totp = pyotp.TOTP(SECRET)

    assert second_factor.matching_step(SECRET, totp.at(NOW), NOW) == totp.timecode(NOW)


@pytest.mark.parametrize("offset_steps", [-1, 1])
def test_one_step_drift_accepted(offset_steps):
    totp = pyotp.TOTP(SECRET)
    code = totp.at(NOW + 30 * offset_steps)

    assert second_factor.matching_step(SECRET, code, NOW) == totp.timecode(NOW) + offset_steps


@pytest.mark.parametrize("offset_steps", [-2, 2])
def test_two_steps_drift_rejected(offset_steps):
    code = pyotp.TOTP(SECRET).at(NOW + 30 * offset_steps)

    assert second_factor.matching_step(SECRET, code, NOW) is None


def test_secret_derived_per_factor():
    first = second_factor.totp_secret("key-one", uuid.UUID(int=1))

    assert first == second_factor.totp_secret("key-one", uuid.UUID(int=1))
    assert first != second_factor.totp_secret("key-one", uuid.UUID(int=2))
    assert first != second_factor.totp_secret("key-two", uuid.UUID(int=1))
    assert len(first) == 32


@pytest.mark.parametrize(
    "code, expected",
    [
        ("123456", ("digits", "123456")),
        ("abcde-fghjk", ("recovery_code", "abcdefghjk")),
        (" ABCDE FGHJK ", ("recovery_code", "abcdefghjk")),
        ("abcdefghjk", ("recovery_code", "abcdefghjk")),
    ],
)
def test_parse_code_accepts(code, expected):
    assert second_factor.parse_code("code", code) == expected


@pytest.mark.parametrize("code", ["", "12345", "1234567", "١٢٣٤٥٦", "abcde-fghj", "abcde-fghj1", "abcde-fghjkl"])
def test_parse_code_rejects(code):
    with pytest.raises(InvalidArgument) as caught:
        second_factor.parse_code("code", code)

    assert caught.value.field == "code"


def test_recovery_codes_parse_back():
    for _ in range(50):
        code = second_factor.new_recovery_code()
        assert second_factor.parse_code("code", code) == ("recovery_code", code.replace("-", ""))
