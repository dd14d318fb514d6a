"""E-mail syntax: the reference's cases, and the fast path agreeing with email-validator."""

from __future__ import annotations

import random

import pytest
from email_validator import EmailNotValidError, validate_email
from faker import Faker

from shared.quality.emails import normalise_email


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Jane.Doe@Example.COM", "Jane.Doe@example.com"),
        ("  jane@example.com ", "jane@example.com"),
        ("ayşe@örnek.com.tr", "ayşe@örnek.com.tr"),
        ("a@xn--bcher-kva.de", "a@bücher.de"),
        ("Info@Clinic.co.uk", "info@clinic.co.uk"),  # role mailbox names are case-insensitive
        ("bad@@x.com", None),
        ("user@localhost", None),
        ("user@clinic.local", None),
        ("a..b@x.com", None),
        (".a@x.com", None),
        ("a@-x.com", None),
        ("a@x-.com", None),
        ("a@x.123", None),
        ("no-at-sign.example.com", None),
        ("", None),
    ],
)
def test_reference_cases(raw: str, expected: str | None) -> None:
    assert normalise_email(raw) == expected


def _library(address: str) -> str | None:
    try:
        return validate_email(address.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def test_fast_path_agrees_with_email_validator() -> None:
    rng = random.Random(7)
    samples: list[str] = []
    for locale in ("en_GB", "en_AU", "en_US", "tr_TR", "de_DE", "en_IE"):
        fake = Faker(locale)
        fake.seed_instance(11)
        samples += [fake.email() for _ in range(300)]
        samples += [fake.company_email() for _ in range(100)]
    mangled: list[str] = []
    for address in samples[:600]:
        chars = list(address)
        position = rng.randrange(len(chars))
        chars.insert(position, rng.choice(".-@_+ 'ü\"()[],;"))
        mangled.append("".join(chars))
        mangled.append(address.upper())
        mangled.append(address.replace(".", "..", 1))
    edge = ["x@" + "a" * 63 + ".com", "x@" + "a" * 64 + ".com", "a" * 64 + "@x.com",
            "a" * 65 + "@x.com", "x@sub.test", "x@ab--cd.com", "x@xn--80ak6aa92e.com",
            "postmaster@Example.com", "x@example.arpa", "x@1.2.3.4", "x@[1.2.3.4]"]  # fmt: skip
    for address in samples + mangled + edge:
        assert normalise_email(address) == _library(address), address
