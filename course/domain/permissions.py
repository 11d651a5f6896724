"""Who may do what: capabilities, pages, actions and the one table that joins them.

Navigation and every action consult `is_allowed` on the server; nothing here trusts the browser.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Capability(StrEnum):
    """What a person may do in the app; a person holds one or more."""

    LEARNER = "learner"
    TRAINER = "trainer"
    LEADER = "leader"
    ADMIN = "admin"


class Page(StrEnum):
    """A page of the app; navigation shows only the pages a person may open."""

    HOME = "home"
    MODULE = "module"
    QUIZ = "quiz"
    SCENARIO = "scenario"
    PROFILE = "profile"
    PLACEMENT = "placement"
    SEARCH = "search"
    STUDIO_HEALTH = "studio_health"
    STUDIO_PREVIEW = "studio_preview"
    STUDIO_EDITOR = "studio_editor"
    STUDIO_ANALYTICS = "studio_analytics"
    DASHBOARD = "dashboard"
    ADMIN_PEOPLE = "admin_people"
    ADMIN_ROSTER = "admin_roster"
    ADMIN_AUDIT = "admin_audit"
    ADMIN_PRIVACY = "admin_privacy"
    ADMIN_ASSIGNMENTS = "admin_assignments"
    MY_TEAM = "my_team"


class Action(StrEnum):
    """Something a person does that changes or reveals data; checked inside the action itself."""

    READ_SECTION = "read_section"
    SUBMIT_QUIZ = "submit_quiz"
    TAKE_CHOICE = "take_choice"
    VIEW_OWN_PROFILE = "view_own_profile"
    PREVIEW_CONTENT = "preview_content"
    VALIDATE_CONTENT = "validate_content"
    EDIT_CONTENT = "edit_content"
    PUBLISH_CONTENT = "publish_content"
    VIEW_ITEM_STATS = "view_item_stats"
    VIEW_DASHBOARD = "view_dashboard"
    EXPORT_DASHBOARD = "export_dashboard"
    MANAGE_PEOPLE = "manage_people"
    IMPORT_ROSTER = "import_roster"
    EXPORT_PERSON = "export_person"
    ERASE_PERSON = "erase_person"
    VIEW_AUDIT = "view_audit"
    MANAGE_PRIVACY = "manage_privacy"
    SET_DASHBOARD_TARGET = "set_dashboard_target"
    REVOKE_CERTIFICATE = "revoke_certificate"
    #: Create and end assignments; a leader only within the departments they may see.
    MANAGE_ASSIGNMENTS = "manage_assignments"
    #: Set when reminders may go out (time zone, quiet hours) and how many a day.
    SET_REMINDER_RULES = "set_reminder_rules"
    #: See what the learning record store has been sent and what is failing.
    VIEW_LEARNING_RECORDS = "view_learning_records"
    #: See, by name, how one's own reports (roster manager column) stand with their assignments.
    VIEW_TEAM = "view_team"


_ALL = frozenset(Capability)
_LEARNER = frozenset({Capability.LEARNER})
_STUDIO = frozenset({Capability.TRAINER, Capability.ADMIN})
_LEADERS = frozenset({Capability.LEADER, Capability.ADMIN})
_ADMIN = frozenset({Capability.ADMIN})
_NO_CAPABILITY: frozenset[Capability] = frozenset()

#: Pages and actions that no capability grants: having reports on the roster does (a manager
#: sees their own team by name, whatever else they hold; a leader without reports does not).
BY_REPORTS: frozenset[Page | Action] = frozenset({Page.MY_TEAM, Action.VIEW_TEAM})

#: The one permission table: each page and action, and the capabilities that allow it.
PERMISSIONS: dict[Page | Action, frozenset[Capability]] = {
    Page.HOME: _LEARNER,
    Page.MODULE: _LEARNER,
    Page.QUIZ: _LEARNER,
    Page.SCENARIO: _LEARNER,
    Page.PROFILE: _LEARNER,
    Page.PLACEMENT: _LEARNER,
    Page.SEARCH: _LEARNER,
    Page.STUDIO_HEALTH: _STUDIO,
    Page.STUDIO_PREVIEW: _STUDIO,
    Page.STUDIO_EDITOR: _STUDIO,
    Page.STUDIO_ANALYTICS: _STUDIO,
    Page.DASHBOARD: _LEADERS,
    Page.ADMIN_PEOPLE: _ADMIN,
    Page.ADMIN_ROSTER: _ADMIN,
    Page.ADMIN_AUDIT: _ADMIN,
    Page.ADMIN_PRIVACY: _ADMIN,
    Page.ADMIN_ASSIGNMENTS: _LEADERS,
    Page.MY_TEAM: _NO_CAPABILITY,
    Action.READ_SECTION: _LEARNER,
    Action.SUBMIT_QUIZ: _LEARNER,
    Action.TAKE_CHOICE: _LEARNER,
    Action.VIEW_OWN_PROFILE: _ALL,
    Action.PREVIEW_CONTENT: _STUDIO,
    Action.VALIDATE_CONTENT: _STUDIO,
    Action.EDIT_CONTENT: _STUDIO,
    Action.PUBLISH_CONTENT: _STUDIO,
    Action.VIEW_ITEM_STATS: _STUDIO,
    Action.VIEW_DASHBOARD: _LEADERS,
    Action.EXPORT_DASHBOARD: _LEADERS,
    Action.MANAGE_PEOPLE: _ADMIN,
    Action.IMPORT_ROSTER: _ADMIN,
    Action.EXPORT_PERSON: _ADMIN,
    Action.ERASE_PERSON: _ADMIN,
    Action.VIEW_AUDIT: _ADMIN,
    Action.MANAGE_PRIVACY: _ADMIN,
    Action.SET_DASHBOARD_TARGET: _ADMIN,
    Action.REVOKE_CERTIFICATE: _ADMIN,
    Action.MANAGE_ASSIGNMENTS: _LEADERS,
    Action.SET_REMINDER_RULES: _ADMIN,
    Action.VIEW_LEARNING_RECORDS: _ADMIN,
    Action.VIEW_TEAM: _NO_CAPABILITY,
}


def is_allowed(capabilities: Iterable[Capability], target: Page | Action, *,
               has_reports: bool = False) -> bool:
    """Return whether any of the capabilities (or having reports) allows the page or action."""
    if has_reports and target in BY_REPORTS:
        return True
    allowed = PERMISSIONS[target]
    return any(capability in allowed for capability in capabilities)


def allowed_pages(capabilities: Iterable[Capability], *, has_reports: bool = False) -> tuple[Page, ...]:
    """Return the pages the capabilities (and having reports) allow, in navigation order."""
    held = frozenset(capabilities)
    return tuple(page for page in Page if is_allowed(held, page, has_reports=has_reports))


#: Where each capability lands after sign-in, most specific duty first: a person holding several
#: lands on the page of the first one they hold (an admin who also learns lands on People).
LANDING_ORDER: tuple[tuple[Capability, Page], ...] = (
    (Capability.ADMIN, Page.ADMIN_PEOPLE),
    (Capability.TRAINER, Page.STUDIO_HEALTH),
    (Capability.LEADER, Page.DASHBOARD),
    (Capability.LEARNER, Page.HOME),
)


def landing_page(capabilities: Iterable[Capability]) -> Page | None:
    """Return the page a person lands on, by LANDING_ORDER (None for a person with no capability)."""
    held = frozenset(capabilities)
    return next((page for capability, page in LANDING_ORDER if capability in held), None)


@dataclass(frozen=True, slots=True)
class Grants:
    """The capabilities a person holds and, for leaders, the departments they may see.

    `leader_departments` is None when a leader sees every department (and for admins, who
    always do); otherwise dashboards show only those departments. `has_reports` is read from
    the roster with the capabilities: someone names this person as their manager.
    """

    capabilities: frozenset[Capability]
    leader_departments: frozenset[str] | None = None
    has_reports: bool = False

    def allows(self, target: Page | Action) -> bool:
        """Return whether these grants allow the page or action."""
        return is_allowed(self.capabilities, target, has_reports=self.has_reports)

    @property
    def pages(self) -> tuple[Page, ...]:
        """Return the pages these grants allow, in navigation order."""
        return allowed_pages(self.capabilities, has_reports=self.has_reports)

@dataclass(frozen=True, slots=True)
class Actor:
    """The signed-in person on whose behalf an action runs, as read at this interaction."""

    person_id: int
    email: str
    grants: Grants

    def allows(self, target: Page | Action) -> bool:
        """Return whether this person may open the page or perform the action."""
        return self.grants.allows(target)
