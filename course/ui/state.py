"""Every value the pages keep in Streamlit's session state: its key, owner and lifetime.

Pages never name a session-state key themselves: they use the keys declared here (a test
refuses `st.session_state` anywhere else in course/ui). Each key says which module owns it and
how long its value lives, after XBlock's field scopes:

- TAB: for the browser tab, whoever uses it (a link being followed, a cookie known to be over).
  `clear_person` drops these too; course/ui/auth.py keeps back the ones that must survive.
- PERSON: while one person is signed in in this browser tab. `clear_person` drops these (and
  everything shorter-lived, widget values included) at sign-in and sign-out, so nothing of one
  person reaches the next in a shared tab.
- ATTEMPT: for one quiz attempt or scenario run. `end_attempt` drops them when it ends.
- NOTICE: a message shown once on the next rerun, taken (read and removed) when shown.

A key may be split into slots by ids (`QUESTION_SHOWN.slot(attempt, question)`); a key that
belongs to an attempt takes the attempt's id first. Keys are named `nts_<what>`, except the
widget keys that keep the names their widgets (and tests) already use.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

import streamlit as st


class Scope(Enum):
    """How long a session-state value lives."""

    TAB = "tab"
    PERSON = "person"
    ATTEMPT = "attempt"
    NOTICE = "notice"


@dataclass(frozen=True, slots=True)
class Key:
    """One kind of value in session state."""

    name: str
    owner: str
    scope: Scope
    holds: str

    def slot(self, *ids: object) -> str:
        """Return the session-state key of this value for these ids (none for a single value)."""
        return ":".join([self.name, *(str(i) for i in ids)])


_AUTH, _WIDGETS, _PAGES = "course/ui/auth.py", "course/ui/widgets.py", "course/ui/pages/"

SESSION_TOKEN = Key("nts_token", _AUTH, Scope.PERSON,
                    "this tab's session token, from its sign-in until the browser holds the cookie")
OWNER = Key("nts_owner", _AUTH, Scope.PERSON, "the id of the person whose values this tab holds")
NAVIGATE = Key("nts_navigate", _AUTH, Scope.NOTICE,
               "a navigation of the whole page asked for once (to the cookie or sign-out route)")
DEAD_COOKIE = Key("nts_dead_cookie", _AUTH, Scope.TAB,
                  "the hash of a cookie token found to be over, so it is not looked up on every rerun")
LINK_TOKEN = Key("nts_link_token", "course/ui/access_links.py", Scope.TAB,
                 "the token of an invitation or reset link being followed, moved out of the address")
LINK_NOTICE = Key("nts_link_notice", "course/ui/access_links.py", Scope.NOTICE,
                  "that the passphrase of a followed link is set")
ACTION_KEY = Key("nts_key", _WIDGETS, Scope.PERSON,
                 "the idempotency key of an action on screen, by action name, until it is recorded")
SECTION = Key("nts_section", _PAGES + "module.py", Scope.PERSON,
              "the section a learner is reading, by module id and version")
QUESTION_SHOWN = Key("nts_asked", _PAGES + "quiz.py", Scope.ATTEMPT,
                     "when a question was first shown, by attempt key and question id")
QUIZ_RESULT = Key("nts_result", _PAGES + "quiz.py", Scope.PERSON,
                  "the result of the attempt just submitted, by quiz id, until the learner moves on")
QUIZ_MISSED = Key("nts_missed", _PAGES + "quiz.py", Scope.PERSON,
                  "the questions the attempt just submitted got wrong, by quiz id, for the review list")
NODE_SHOWN = Key("nts_node", _PAGES + "scenario.py", Scope.ATTEMPT,
                 "when a scenario step was first shown, by run id and step number")
SCENARIO_DONE = Key("nts_scenario_done", _PAGES + "scenario.py", Scope.PERSON,
                    "the run just finished, by scenario id, until the learner moves on")
PRECHECK_SKIPPED = Key("nts_precheck_skipped", _PAGES + "placement.py", Scope.PERSON,
                       "that the learner put the placement pre-check off for this sign-in")
SEARCH_QUERY = Key("search:query", _PAGES + "search.py", Scope.PERSON,
                   "the words typed into the course search (a text input's widget key)")
PEOPLE_FLASH = Key("nts_people_flash", _PAGES + "admin_people.py", Scope.NOTICE, "what the last change did")
PEOPLE_CHOSEN = Key("admin_people:person", _PAGES + "admin_people.py", Scope.PERSON,
                    "the email of the person being edited (a select box's widget key)")
PEOPLE_SEARCH = Key("admin_people:search", _PAGES + "admin_people.py", Scope.PERSON,
                    "the search typed above the people table (a text input's widget key)")
PEOPLE_PAGE = Key("admin_people:page", _PAGES + "admin_people.py", Scope.PERSON,
                  "the page of the people table shown (a number input's widget key)")
PEOPLE_LINKS = Key("nts_people_links", _PAGES + "admin_people.py", Scope.NOTICE,
                   "invitation links to hand over by hand, when no SMTP server is configured")
ROSTER_PREVIEW = Key("nts_roster_preview", _PAGES + "admin_roster.py", Scope.PERSON,
                     "the dry run of the roster last checked: digest, file name and report")
ROSTER_FLASH = Key("nts_roster_flash", _PAGES + "admin_roster.py", Scope.NOTICE, "what the last import did")
ROSTER_LINKS = Key("nts_roster_links", _PAGES + "admin_roster.py", Scope.NOTICE,
                   "invitation links to hand over by hand, when no SMTP server is configured")
EDITOR_FILE = Key("nts_edit", _PAGES + "studio_editor.py", Scope.PERSON,
                  "the file opened in the editor, by its path in the content folder")
EDITOR_TEXT = Key("nts_text", _PAGES + "studio_editor.py", Scope.PERSON,
                  "the editor's text, by path (the plain text area's widget key; the text box's reports are "
                  "copied here)")
EDITOR_NOTICE = Key("nts_editor_notice", _PAGES + "studio_editor.py", Scope.NOTICE, "what the last save did")
EDITOR_FOLDER = Key("editor-folder", _PAGES + "studio_editor.py", Scope.PERSON,
                    "the folder chosen in the editor's file list (a select box's widget key)")
EDITOR_PICKED = Key("editor-file", _PAGES + "studio_editor.py", Scope.PERSON,
                    "the file chosen in the editor's file list (a select box's widget key)")
EDITOR_PATH = Key("editor-path", _PAGES + "studio_editor.py", Scope.PERSON,
                  "a path typed for a file not in the list, e.g. a new one (a text input's widget key)")
EDITOR_ASKED = Key("editor-asked", _PAGES + "studio_editor.py", Scope.PERSON,
                   "the ?file= address last applied to the file list, so it is applied once")
EDITOR_BOX = Key("nts_edit_box", _PAGES + "studio_editor.py", Scope.PERSON,
                 "what the editor's text box last sent, by a digest of the path (a component's key; "
                 "Streamlit refuses a path's \"__\" in one)")
EDITOR_PLAIN = Key("editor-plain", _PAGES + "studio_editor.py", Scope.PERSON,
                   "that the trainer chose the plain text box over the editor (a toggle's widget key)")
EDITOR_MESSAGE = Key("nts_edit_message", _PAGES + "studio_editor.py", Scope.PERSON,
                     "the note typed for the next save, by path (a text input's widget key)")
PREVIEW_SEED = Key("nts_preview_seed", _PAGES + "studio_preview.py", Scope.PERSON,
                   "the seed of the quiz draw being previewed, by quiz id")
PREVIEW_RUN = Key("nts_preview_run", _PAGES + "studio_preview.py", Scope.PERSON,
                  "the state of the scenario being previewed, by scenario id and version")
EARNED = Key("nts_earned", "course/ui/certificates_view.py", Scope.NOTICE,
             "the certificates the learner's last action earned, announced once with their downloads")
_A11Y = "course/ui/a11y.py"
A11Y_STEP = Key("nts_a11y_step", _A11Y, Scope.TAB,
                "how many steps this tab has taken (makes each focus script new)")
A11Y_PAGE = Key("nts_a11y_page", _A11Y, Scope.TAB,
                "the title of the page last shown, to tell a newly opened page")
A11Y_TITLE = Key("nts_a11y_title", _A11Y, Scope.TAB, "the title of the page being drawn")
A11Y_FOCUS = Key("nts_a11y_focus", _A11Y, Scope.NOTICE, "the level of the heading a step wants focused next")
A11Y_TARGET = Key("nts_a11y_target", _A11Y, Scope.NOTICE, "the text of the heading that takes the focus")
A11Y_SAID = Key("nts_a11y_said", _A11Y, Scope.NOTICE, "what the last step did, for the live region")
ITEMS_ORDER = Key("items-order", _PAGES + "studio_analytics.py", Scope.PERSON,
                  "the order the item analysis is listed in (a radio's widget key)")

KEYS: tuple[Key, ...] = (
    SESSION_TOKEN, OWNER, NAVIGATE, DEAD_COOKIE, LINK_TOKEN, LINK_NOTICE, ACTION_KEY, SECTION,
    QUESTION_SHOWN, QUIZ_RESULT, QUIZ_MISSED, NODE_SHOWN, SCENARIO_DONE, PEOPLE_FLASH, PEOPLE_CHOSEN,
    PEOPLE_SEARCH,
    PEOPLE_PAGE, PEOPLE_LINKS, ROSTER_PREVIEW, ROSTER_FLASH, ROSTER_LINKS, EDITOR_FILE, EDITOR_TEXT,
    EDITOR_NOTICE, EDITOR_MESSAGE, EDITOR_FOLDER, EDITOR_PICKED, EDITOR_PATH, EDITOR_ASKED, EDITOR_BOX,
    EDITOR_PLAIN, PREVIEW_SEED,
    PREVIEW_RUN, ITEMS_ORDER, A11Y_STEP, A11Y_PAGE, A11Y_TITLE,
    A11Y_FOCUS, A11Y_TARGET, A11Y_SAID, PRECHECK_SKIPPED, EARNED, SEARCH_QUERY,
)


def get(key: Key, *ids: object, default: Any = None) -> Any:
    """Return the value kept for the key and ids, or `default`."""
    return st.session_state.get(key.slot(*ids), default)


def put(key: Key, *ids: object, value: Any) -> None:
    """Keep a value for the key and ids."""
    st.session_state[key.slot(*ids)] = value


def has(key: Key, *ids: object) -> bool:
    """Return whether a value is kept for the key and ids."""
    return key.slot(*ids) in st.session_state


def keep_first(key: Key, *ids: object, value: Any) -> Any:
    """Keep `value` unless a value is kept already; return the kept one."""
    return st.session_state.setdefault(key.slot(*ids), value)


def take(key: Key, *ids: object) -> Any:
    """Remove the value kept for the key and ids and return it (None when there was none)."""
    return st.session_state.pop(key.slot(*ids), None)


def end_attempt(attempt_id: str) -> None:
    """Drop every per-attempt value of the quiz attempt or scenario run that has ended."""
    prefixes = tuple(key.slot(attempt_id) + ":" for key in KEYS if key.scope is Scope.ATTEMPT)
    for slot in [s for s in st.session_state if isinstance(s, str) and s.startswith(prefixes)]:
        del st.session_state[slot]


def clear_person() -> None:
    """Drop everything kept in this tab: call when the person changes (auth.clear_person_state).

    Widget values go too (a text area, a chosen person): any of them may hold what the last
    person saw or typed.
    """
    for slot in list(st.session_state):
        del st.session_state[slot]


def forget_widget(widget_key: str) -> None:
    """Reset a widget to its default on the next rerun by dropping the value kept under its key."""
    st.session_state.pop(widget_key, None)
