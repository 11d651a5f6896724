"""The application's settings: typed, frozen models read from the environment once and passed down.

Every environment variable is a field of a pydantic-settings model (course/settings/*.py) that
names the variable, its type, default, limits and meaning. `load_settings` reads and checks them
all at start-up; docs/operations.md's tables are made from the same fields (`python -m course
settings --markdown`), and a test keeps the two the same.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from course.settings.base import MIN_TOKEN_CHARS, SettingsError
from course.settings.core import BUNDLED_ROOT, DEFAULT_POOL_OVERFLOW, DEFAULT_POOL_SIZE, Settings
from course.settings.lrs import LrsSettings
from course.settings.lti import LtiPlatform, LtiSettings, parse_lti_platforms
from course.settings.mail import TLS_MODES, MailSettings
from course.settings.sso import DEFAULT_BUTTON_LABEL, MIN_COOKIE_SECRET_CHARS, SsoSettings

#: The shortest bearer token accepted for /metrics (and for the other secret keys).
MIN_METRICS_TOKEN_CHARS = MIN_TOKEN_CHARS

__all__ = [
    "BUNDLED_ROOT", "DEFAULT_BUTTON_LABEL", "DEFAULT_POOL_OVERFLOW", "DEFAULT_POOL_SIZE",
    "MIN_COOKIE_SECRET_CHARS", "MIN_METRICS_TOKEN_CHARS", "TLS_MODES", "LrsSettings", "LtiPlatform",
    "LtiSettings", "MailSettings", "Settings", "SettingsError", "SsoSettings", "load_lrs_settings",
    "load_lti_settings", "load_mail_settings", "load_settings", "load_sso_settings", "parse_lti_platforms",
]


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and check every setting from `env` (default: os.environ, and only then).

    Raises SettingsError with one line naming the variable and what is wrong with it.
    """
    return Settings.from_environ(os.environ if env is None else env)


def load_mail_settings(env: Mapping[str, str]) -> MailSettings:
    """Read the email settings alone from `env`."""
    return MailSettings.from_environ(env)


def load_sso_settings(env: Mapping[str, str]) -> SsoSettings:
    """Read the single sign-on settings alone from `env`."""
    return SsoSettings.from_environ(env)


def load_lrs_settings(env: Mapping[str, str]) -> LrsSettings:
    """Read the learning record store settings alone from `env`."""
    return LrsSettings.from_environ(env)


def load_lti_settings(env: Mapping[str, str]) -> LtiSettings:
    """Read the LTI settings alone from `env`."""
    return LtiSettings.from_environ(env)
