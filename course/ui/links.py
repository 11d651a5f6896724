"""Where each page lives, so pages can link to each other by purpose rather than by file."""

from __future__ import annotations

from course.domain.permissions import Page

#: Page -> (script, title, Material icon, shown in the menu)
PAGES: dict[Page, tuple[str, str, str, bool]] = {
    Page.HOME: ("course/ui/pages/home.py", "My path", ":material/route:", True),
    Page.MODULE: ("course/ui/pages/module.py", "Module", ":material/menu_book:", False),
    Page.QUIZ: ("course/ui/pages/quiz.py", "Quiz", ":material/quiz:", False),
    Page.SCENARIO: ("course/ui/pages/scenario.py", "Scenario", ":material/alt_route:", False),
    Page.PROFILE: ("course/ui/pages/profile.py", "My literacy profile", ":material/insights:", True),
    Page.STUDIO_HEALTH: ("course/ui/pages/course_map.py", "Course map and health", ":material/map:", True),
}


def script(page: Page) -> str:
    """Return the script of a page."""
    return PAGES[page][0]
