"""E-mail syntax check and normalisation with `email-validator`, never touching DNS.

`validate_email` costs ~25 µs; a plain ASCII address (the vast majority) is accepted by a
stricter precompiled pattern first, whose normalised form (domain lower-cased, local part kept) is
what `email-validator` returns for it. Every other address, valid or not, is decided by
`email-validator` itself (`check_deliverability=False`); tests compare both paths.
"""

from __future__ import annotations

import re

import email_validator
from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
# Labels of letters, digits and inner hyphens, never "--" (which punycode and its look-alikes
# use); the top-level label is letters only.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?!-)){0,61}(?<!-)"
_PLAIN_ADDRESS = re.compile(rf"({_ATOM}(?:\.{_ATOM})*)@((?:{_LABEL}\.)+([A-Za-z]{{2,63}}))")
# Special-use names (localhost, test, ...) are rejected by email-validator; single-label ones are
# matched on the top-level label, any longer ones by suffix.
_SPECIAL_TLDS = frozenset(d for d in email_validator.SPECIAL_USE_DOMAIN_NAMES if "." not in d)
_SPECIAL_SUFFIXES = tuple(d for d in email_validator.SPECIAL_USE_DOMAIN_NAMES if "." in d)
_CASE_INSENSITIVE_LOCAL = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)


def _plain_normalised(address: str) -> str | None:
    """The normalised address when it is a plain ASCII address the fast pattern vouches for."""
    match = _PLAIN_ADDRESS.fullmatch(address)
    if match is None or len(address) > 254:
        return None
    local, domain, tld = match.group(1, 2, 3)
    if len(local) > 64 or len(domain) > 253 or local.lower() in _CASE_INSENSITIVE_LOCAL:
        return None
    domain = domain.lower()
    if tld.lower() in _SPECIAL_TLDS:
        return None
    for special in _SPECIAL_SUFFIXES:
        if domain == special or domain.endswith("." + special):
            return None
    return f"{local}@{domain}"


def normalise_email(value: str) -> str | None:
    """The normalised address (domain lower-cased, IDN handled), or None when it is not valid.

    Args:
        value: the address as exported; surrounding whitespace is ignored.

    Returns:
        `email-validator`'s normalised form, or None for invalid syntax.
    """
    address = value.strip()
    fast = _plain_normalised(address)
    if fast is not None:
        return fast
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        return None
