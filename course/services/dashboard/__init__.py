"""Leadership dashboards: scoped on the server, suppressed for privacy, cached by data version.

`get_dashboard` checks Action.VIEW_DASHBOARD, narrows the departments to the leader's scope (an
admin sees all), runs the GROUP BY queries of course/store/analytics/ (compute), applies the
small-group suppression of course/domain/dashboard.py (sections) and keeps the result in the
`DashboardCache` passed in, keyed by a data version (learner work, people, grants) and the
content. `export_table` and `export_zip` (downloads) give its tables as the page shows them,
the ZIP with full-precision copies (exact), under the same suppression, and audit each export.
"""

from course.services.dashboard.board import Dashboard, DashboardCache, Filters, content_key
from course.services.dashboard.compute import (
    FilterRefused,
    build_scope,
    departments_in_scope,
    get_dashboard,
    leader_filters,
)
from course.services.dashboard.downloads import export_table, export_zip
from course.services.dashboard.exact import EXPORTABLE

__all__ = [
    "EXPORTABLE",
    "Dashboard",
    "DashboardCache",
    "FilterRefused",
    "Filters",
    "build_scope",
    "content_key",
    "departments_in_scope",
    "export_table",
    "export_zip",
    "get_dashboard",
    "leader_filters",
]
