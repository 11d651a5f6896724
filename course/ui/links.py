"""Where each page lives, so pages can link to each other by purpose rather than by file."""

from __future__ import annotations

from typing import NamedTuple

from course.domain.permissions import Page


class PageLink(NamedTuple):
    """Where a page lives and how the menu shows it."""

    script: str
    title: str
    icon: str  # a Material icon
    in_menu: bool


#: Page -> (script, title, Material icon, shown in the menu), read through PAGES below.
_TABLE: dict[Page, tuple[str, str, str, bool]] = {
    Page.HOME: ("course/ui/pages/home.py", "My path", ":material/route:", True),
    Page.MODULE: ("course/ui/pages/module.py", "Module", ":material/menu_book:", False),
    Page.QUIZ: ("course/ui/pages/quiz.py", "Quiz", ":material/quiz:", False),
    Page.SCENARIO: ("course/ui/pages/scenario.py", "Scenario", ":material/alt_route:", False),
    Page.PROFILE: ("course/ui/pages/profile.py", "My literacy profile", ":material/insights:", True),
    Page.PLACEMENT: ("course/ui/pages/placement.py", "Pre-check", ":material/checklist:", False),
    Page.SEARCH: ("course/ui/pages/search.py", "Search and glossary", ":material/search:", True),
    Page.DASHBOARD: ("course/ui/pages/dashboard.py", "Literacy dashboard", ":material/monitoring:", True),
    Page.STUDIO_HEALTH: ("course/ui/pages/studio_health.py", "Content health", ":material/health_and_safety:",
                         True),
    Page.STUDIO_PREVIEW: ("course/ui/pages/studio_preview.py", "Preview", ":material/visibility:", True),
    Page.STUDIO_EDITOR: ("course/ui/pages/studio_editor.py", "Edit content", ":material/edit_document:",
                         True),
    Page.STUDIO_ANALYTICS: ("course/ui/pages/studio_analytics.py", "Learning from learners",
                            ":material/query_stats:", True),
    Page.ADMIN_PEOPLE: ("course/ui/pages/admin_people.py", "People", ":material/group:", True),
    Page.ADMIN_ROSTER: ("course/ui/pages/admin_roster.py", "Roster import", ":material/upload_file:", True),
    Page.ADMIN_AUDIT: ("course/ui/pages/admin_audit.py", "Audit log", ":material/policy:", True),
    Page.ADMIN_PRIVACY: ("course/ui/pages/admin_privacy.py", "Privacy settings", ":material/shield_person:",
                         True),
    Page.ADMIN_ASSIGNMENTS: ("course/ui/pages/admin_assignments.py", "Assignments", ":material/assignment:",
                             True),
    Page.MY_TEAM: ("course/ui/pages/my_team.py", "My team", ":material/groups:", True),
}

PAGES: dict[Page, PageLink] = {page: PageLink(*entry) for page, entry in _TABLE.items()}


def script(page: Page) -> str:
    """Return the script of a page."""
    return PAGES[page].script


def entries_for(allowed: tuple[Page, ...], *, landing: Page | None = None) -> list[PageLink]:
    """Return every page's link, the landing page first, then the other allowed pages.

    The first link is where the person lands (the router's default page). Pages the person may
    not open stay routable but hidden: asking for one by its address runs the page's own
    server-side check, which refuses it and audits the refusal.
    """
    ordered = sorted(PAGES, key=lambda page: (page is not landing, page not in allowed))
    return [PAGES[page]._replace(in_menu=PAGES[page].in_menu and page in allowed) for page in ordered]
