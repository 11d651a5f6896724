"""The permission table: every capability against every page and action."""

from __future__ import annotations

import pytest

from course.domain.permissions import (
    PERMISSIONS,
    Action,
    Capability,
    Grants,
    Page,
    allowed_pages,
    is_allowed,
    landing_page,
)

L, T, D, A = Capability.LEARNER, Capability.TRAINER, Capability.LEADER, Capability.ADMIN

#: The expected matrix, written out independently of PERMISSIONS so a change shows up here.
EXPECTED: dict[Page | Action, set[Capability]] = {
    Page.HOME: {L},
    Page.MODULE: {L},
    Page.QUIZ: {L},
    Page.SCENARIO: {L},
    Page.PROFILE: {L},
    Page.PLACEMENT: {L},
    Page.SEARCH: {L},
    Page.STUDIO_HEALTH: {T, A},
    Page.STUDIO_PREVIEW: {T, A},
    Page.STUDIO_EDITOR: {T, A},
    Page.STUDIO_ANALYTICS: {T, A},
    Page.DASHBOARD: {D, A},
    Page.ADMIN_PEOPLE: {A},
    Page.ADMIN_ROSTER: {A},
    Page.ADMIN_AUDIT: {A},
    Page.ADMIN_PRIVACY: {A},
    Page.ADMIN_ASSIGNMENTS: {D, A},
    Page.MY_TEAM: set(),  # granted by having reports, never by a capability
    Action.READ_SECTION: {L},
    Action.SUBMIT_QUIZ: {L},
    Action.TAKE_CHOICE: {L},
    Action.VIEW_OWN_PROFILE: {L, T, D, A},
    Action.PREVIEW_CONTENT: {T, A},
    Action.VALIDATE_CONTENT: {T, A},
    Action.EDIT_CONTENT: {T, A},
    Action.PUBLISH_CONTENT: {T, A},
    Action.VIEW_ITEM_STATS: {T, A},
    Action.VIEW_DASHBOARD: {D, A},
    Action.EXPORT_DASHBOARD: {D, A},
    Action.MANAGE_PEOPLE: {A},
    Action.IMPORT_ROSTER: {A},
    Action.EXPORT_PERSON: {A},
    Action.ERASE_PERSON: {A},
    Action.VIEW_AUDIT: {A},
    Action.MANAGE_PRIVACY: {A},
    Action.SET_DASHBOARD_TARGET: {A},
    Action.REVOKE_CERTIFICATE: {A},
    Action.VIEW_LEARNING_RECORDS: {A},
    Action.MANAGE_ASSIGNMENTS: {D, A},
    Action.SET_REMINDER_RULES: {A},
    Action.VIEW_TEAM: set(),
}


def test_every_page_and_action_is_in_the_table() -> None:
    assert set(PERMISSIONS) == set(Page) | set(Action) == set(EXPECTED)


@pytest.mark.parametrize("capability", list(Capability))
@pytest.mark.parametrize("target", list(EXPECTED), ids=str)
def test_matrix_cell(capability: Capability, target: Page | Action) -> None:
    assert is_allowed({capability}, target) == (capability in EXPECTED[target])


def test_no_capability_allows_nothing() -> None:
    assert not any(is_allowed(set(), target) for target in EXPECTED)


def test_capabilities_add_up() -> None:
    assert is_allowed({L, D}, Page.DASHBOARD) and is_allowed({L, D}, Action.SUBMIT_QUIZ)


def test_navigation_lists_allowed_pages_in_order() -> None:
    assert allowed_pages({D}) == (Page.DASHBOARD, Page.ADMIN_ASSIGNMENTS)
    assert allowed_pages({L}) == (Page.HOME, Page.MODULE, Page.QUIZ, Page.SCENARIO, Page.PROFILE,
                                  Page.PLACEMENT, Page.SEARCH)


@pytest.mark.parametrize(("held", "lands"), [
    ({L}, Page.HOME),
    ({T}, Page.STUDIO_HEALTH),
    ({D}, Page.DASHBOARD),
    ({A}, Page.ADMIN_PEOPLE),
    ({L, D}, Page.DASHBOARD),  # a leader who also learns starts on the dashboard
    ({L, T}, Page.STUDIO_HEALTH),
    ({T, D}, Page.STUDIO_HEALTH),
    ({L, A}, Page.ADMIN_PEOPLE),
    ({L, T, D, A}, Page.ADMIN_PEOPLE),
], ids=lambda value: "+".join(sorted(v.value for v in value)) if isinstance(value, set) else str(value))
def test_each_person_lands_on_the_page_of_their_first_capability_in_order(
    held: set[Capability], lands: Page
) -> None:
    assert landing_page(held) is lands
    assert is_allowed(held, lands)


def test_a_person_with_no_capability_lands_nowhere() -> None:
    assert landing_page(set()) is None


def test_learner_pages_belong_to_learners_only() -> None:
    for held in ({T}, {D}, {A}, {T, D, A}):
        assert not {Page.HOME, Page.PROFILE} & set(allowed_pages(held)), held


def test_having_reports_grants_the_team_and_nothing_else() -> None:
    for held in (set(), {L}, {T}, {D}, {A}, {L, T, D, A}):
        manager = Grants(frozenset(held), has_reports=True)
        plain = Grants(frozenset(held))
        assert manager.allows(Page.MY_TEAM) and manager.allows(Action.VIEW_TEAM), held
        assert not plain.allows(Page.MY_TEAM) and not plain.allows(Action.VIEW_TEAM), held
        others = [t for t in EXPECTED if t not in (Page.MY_TEAM, Action.VIEW_TEAM)]
        assert [manager.allows(t) for t in others] == [plain.allows(t) for t in others], held
    assert Grants(frozenset({L}), has_reports=True).pages == (*allowed_pages({L}), Page.MY_TEAM)
    assert landing_page({L}) is Page.HOME  # reports change no one's landing page
