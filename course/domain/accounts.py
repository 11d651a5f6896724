"""Pure rules for accounts: email addresses, passphrases and capability lists."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from course.domain.permissions import Capability, Grants

#: Shortest passphrase accepted, in characters (NIST SP 800-63B asks for at least 8).
MIN_PASSPHRASE_CHARS = 12
#: Longest passphrase accepted, in characters: long enough for any passphrase, short enough that
#: hashing it cannot be used to exhaust the server.
MAX_PASSPHRASE_CHARS = 1024
MAX_EMAIL_CHARS = 254

_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
_SEPARATORS = re.compile(r"[;\s]+")


class AccountRuleError(ValueError):
    """A value breaks one of the account rules; the message says which, for the person."""


def email_too_long(raw: str) -> bool:
    """Return whether raw input is too long to be an email address, before any normalising.

    Unicode normalisation of a few megabytes takes seconds, so the length is checked first.
    """
    return len(raw) > MAX_EMAIL_CHARS and len(raw.strip()) > MAX_EMAIL_CHARS


def passphrase_too_long(raw: str) -> bool:
    """Return whether raw input is too long to be a passphrase, before normalising or hashing."""
    return len(raw) > MAX_PASSPHRASE_CHARS


def normalise_email(raw: str) -> str:
    """Return the canonical form of an email address, or raise AccountRuleError.

    Addresses are compared case-insensitively: two people cannot differ only by case. Input
    longer than the limit is refused before it is normalised.
    """
    if email_too_long(raw):
        raise AccountRuleError(f"the email address is longer than {MAX_EMAIL_CHARS} characters")
    email = unicodedata.normalize("NFKC", raw).strip().casefold()
    if not email:
        raise AccountRuleError("the email address is empty")
    if len(email) > MAX_EMAIL_CHARS:
        raise AccountRuleError(f"the email address is longer than {MAX_EMAIL_CHARS} characters")
    if not _EMAIL.match(email):
        raise AccountRuleError(f"{raw.strip()!r} is not an email address")
    return email


def normalise_passphrase(raw: str) -> str:
    """Return the form of a passphrase that is hashed (Unicode NFKC, as NIST recommends).

    Raises AccountRuleError, without normalising, when the raw input is over the limit.
    """
    if passphrase_too_long(raw):
        raise AccountRuleError(f"the passphrase is longer than {MAX_PASSPHRASE_CHARS} characters")
    return unicodedata.normalize("NFKC", raw)


def check_passphrase(raw: str, *, email: str = "") -> list[str]:
    """Return the reasons a passphrase is refused (empty when it is acceptable).

    Any character is allowed, spaces and non-ASCII letters included; only length and a few
    obvious choices are checked, as NIST SP 800-63B and OWASP advise.
    """
    if passphrase_too_long(raw):
        return [f"use at most {MAX_PASSPHRASE_CHARS} characters"]
    passphrase = normalise_passphrase(raw)
    problems: list[str] = []
    if len(passphrase) < MIN_PASSPHRASE_CHARS:
        problems.append(f"use at least {MIN_PASSPHRASE_CHARS} characters")
    if len(passphrase) > MAX_PASSPHRASE_CHARS:
        problems.append(f"use at most {MAX_PASSPHRASE_CHARS} characters")
    if passphrase and len(set(passphrase)) == 1:
        problems.append("do not repeat one character")
    if email and passphrase.casefold() in {email.casefold(), email.split("@")[0].casefold()}:
        problems.append("do not use your email address")
    return problems


def parse_list(raw: str) -> tuple[str, ...]:
    """Split a list written with semicolons or spaces ("legal; hr"), dropping empty items."""
    return tuple(item for item in _SEPARATORS.split(raw.strip()) if item)


def parse_capabilities(raw: str) -> Grants:
    """Parse `learner; leader:legal|hr` into grants, or raise AccountRuleError.

    Capabilities are separated by semicolons or spaces. `leader:A|B` limits a leader's
    dashboards to departments A and B; a bare `leader` sees every department.
    """
    capabilities: set[Capability] = set()
    departments: set[str] | None = None
    leader_unscoped = False
    for item in parse_list(raw):
        name, _, scope = item.partition(":")
        try:
            capability = Capability(name.strip().casefold())
        except ValueError:
            known = ", ".join(c.value for c in Capability)
            raise AccountRuleError(f"unknown capability {name!r} (known: {known})") from None
        if scope and capability is not Capability.LEADER:
            raise AccountRuleError(f"only leader takes departments, not {name!r}")
        capabilities.add(capability)
        if capability is Capability.LEADER:
            scoped = {part.strip() for part in scope.split("|") if part.strip()}
            if scoped:
                departments = (departments or set()) | scoped
            else:
                leader_unscoped = True
    if not capabilities:
        raise AccountRuleError("no capability given")
    scope_set = None if leader_unscoped or departments is None else frozenset(departments)
    return Grants(capabilities=frozenset(capabilities), leader_departments=scope_set)


def render_capabilities(grants: Grants) -> str:
    """Return the text form of grants, for example `learner; leader:hr|legal`."""
    parts: list[str] = []
    for capability in Capability:
        if capability not in grants.capabilities:
            continue
        if capability is Capability.LEADER and grants.leader_departments is not None:
            parts.append("leader:" + "|".join(sorted(grants.leader_departments)))
        else:
            parts.append(capability.value)
    return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class PersonInfo:
    """What the app knows about a person, without secrets."""

    id: int
    email: str
    name: str
    department: str
    tracks: tuple[str, ...]
    manager_email: str | None
    active: bool
    grants: Grants
    has_passphrase: bool
    #: Management level from the roster, "" when the roster has none.
    level: str = ""
