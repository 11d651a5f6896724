"""What Streamlit's runtime knows about this process that the metrics report."""

from __future__ import annotations

from streamlit.runtime import Runtime


def connected_sessions() -> int:
    """Return the browser sessions connected to this process now (0 outside a running server)."""
    if not Runtime.exists():
        return 0
    # Streamlit offers no public count; its session manager is the one place that knows.
    manager = getattr(Runtime.instance(), "_session_mgr", None)
    count = getattr(manager, "num_active_sessions", None)
    return int(count()) if callable(count) else 0
