"""Web tests share the real LTI platform of tests/lti_platform.py (started once per session)."""

from tests.lti_platform import lti_platform

__all__ = ["lti_platform"]
