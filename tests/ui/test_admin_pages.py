"""The administrator's pages (people, roster import, audit log) through Streamlit's AppTest.

The demo administrator works the pages by their widgets; what the pages did is then read back
through the services, as another admin would see it. Learners, trainers and leaders are refused.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from course.domain.accounts import PersonInfo
from course.domain.permissions import Actor, Capability, Page
from course.services import demo
from course.services.accounts import list_accounts, resume_session
from course.services.database import Engine
from course.services.permissions import list_audit_events, record_audit_event
from course.settings import load_settings
from course.ui.audit_rows import render_csv, rows_of
from course.ui.links import PAGES
from tests.bundled import BUNDLED_DEMO_PEOPLE, BUNDLED_INFO
from tests.ui.conftest import APP, AppFactory
from tests.ui.hostile_text import seen

ROOT = Path(APP).parent
REFUSAL = "You do not have access to this page."
MISSING = "Could not find a navigation page"
ADMIN_PAGES = (Page.ADMIN_PEOPLE, Page.ADMIN_ROSTER, Page.ADMIN_AUDIT, Page.ADMIN_PRIVACY)
ADMIN = "admin@demo.needtoshare.invalid"
LEARNER = "legal.learner@demo.needtoshare.invalid"
HEADER = "email,name,department,tracks,manager,capabilities\n"


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """Collect what each download button offers, by file name (AppTest keeps no media files)."""
    files: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def keep(self: MemoryMediaFileStorage, path_or_data: str | bytes, mimetype: str, kind: object,
             filename: str | None = None) -> str:
        if filename is not None and isinstance(path_or_data, bytes):
            files[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)  # type: ignore[arg-type]

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    return files


# --- helpers -----------------------------------------------------------------------------------


def _actor(engine: Engine, email: str) -> Actor:
    signed = demo.demo_sign_in(engine, email, settings=load_settings(), info=BUNDLED_INFO)
    assert signed.actor is not None
    return signed.actor


def _accounts(engine: Engine) -> dict[str, PersonInfo]:
    return {p.email: p for p in list_accounts(engine, by=_actor(engine, ADMIN))}


def _events(engine: Engine, kind: str) -> list[tuple[str, str, str]]:
    """Return (who, whom, target) of the events of one kind, newest first."""
    events = list_audit_events(engine, _actor(engine, ADMIN), kind=kind, limit=1000)
    return [(e.actor, e.subject, e.target) for e in events]


def _open(at: AppTest, page: Page) -> AppTest:
    at.switch_page(PAGES[page].script).run()
    assert not at.exception, at.exception
    return at


def _rows(at: AppTest, index: int = 0) -> list[dict[str, object]]:
    records: list[dict[str, object]] = at.dataframe[index].value.to_dict("records")
    return records


def _click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def _texts(elements: Iterable[Any]) -> list[str]:
    return [seen(str(e.value)) for e in elements]


def _choose(at: AppTest, email: str) -> AppTest:
    at.selectbox(key="admin_people:person").set_value(email).run()
    assert not at.exception, at.exception
    return at


# --- every page renders --------------------------------------------------------------------------


@pytest.mark.parametrize("page", ADMIN_PAGES, ids=lambda p: p.value)
def test_each_admin_page_renders_for_the_admin(app: AppFactory, page: Page) -> None:
    at = _open(app(as_demo="admin"), page)
    assert [t.value for t in at.title] == [PAGES[page].title]
    assert not at.error
    if page is Page.ADMIN_PEOPLE:
        emails = [row["Email"] for row in _rows(at)]
        assert emails == sorted(p.email for p in BUNDLED_DEMO_PEOPLE)
        assert {w.label for w in at.text_input} >= {"Email", "Full name", "Department"}
    elif page is Page.ADMIN_ROSTER:
        assert at.button(key="roster-preview").disabled and at.button(key="roster-apply").disabled
        assert "email,name,department,tracks,manager,capabilities" in at.code[0].value
        assert at.file_uploader[0].allowed_type == [".csv"]
    elif page is Page.ADMIN_PRIVACY:
        assert at.number_input[0].value == 5
    else:
        assert "demo_sign_in" in [row["Kind"] for row in _rows(at)]
    labelled = [*at.text_input, *at.multiselect, *at.selectbox, *at.number_input, *at.text_area,
                *at.file_uploader, *at.button]
    assert all(w.label.strip() for w in labelled)


# --- people ------------------------------------------------------------------------------------------


def test_adding_a_person_shows_them_in_the_table_and_is_audited(
    app: AppFactory, database: Callable[[], Engine]
) -> None:
    at = _open(app(as_demo="admin"), Page.ADMIN_PEOPLE)
    at.text_input(key="add-email").input("Noor.Haddad@Example.org")
    at.text_input(key="add-name").input("Noor Haddad")
    at.text_input(key="add-department").input("Legal")
    at.multiselect(key="add-tracks").set_value(["legal"])
    at.multiselect(key="add-capabilities").set_value(["learner", "leader"])
    at.multiselect(key="add-leader-departments").set_value(["Legal"])
    _click(at, "add-submit")
    assert _texts(at.success) == ["Added noor.haddad@example.org."]
    row = next(r for r in _rows(at) if r["Email"] == "noor.haddad@example.org")
    assert row == {"Email": "noor.haddad@example.org", "Name": "Noor Haddad", "Department": "Legal",
                   "Tracks": "legal", "Capabilities": "learner; leader:Legal", "Active": True,
                   "Has passphrase": False}
    assert at.text_input(key="add-email").value == ""  # the form is cleared for the next person
    engine = database()
    assert _events(engine, "account_created")[0] == (ADMIN, "noor.haddad@example.org", "")

    # A refusal from the service is shown as it is, and nothing is added.
    at.text_input(key="add-email").input("noor.haddad@example.org")
    at.text_input(key="add-name").input("Noor again")
    _click(at, "add-submit")
    assert _texts(at.error) == ["noor.haddad@example.org already exists"]
    at.text_input(key="add-email").input("someone@example.org")
    at.text_input(key="add-name").input("Some One")
    at.multiselect(key="add-capabilities").set_value([])
    _click(at, "add-submit")
    assert _texts(at.error) == ["choose at least one capability"]
    assert "someone@example.org" not in _accounts(engine)


def test_an_initial_passphrase_is_checked_and_stored(app: AppFactory, database: Callable[[], Engine]) -> None:
    at = _open(app(as_demo="admin"), Page.ADMIN_PEOPLE)
    at.text_input(key="add-email").input("pat@example.org")
    at.text_input(key="add-name").input("Pat")
    at.text_input(key="add-passphrase").input("short")
    _click(at, "add-submit")
    assert _texts(at.error) == ["passphrase refused: use at least 12 characters"]
    at.text_input(key="add-passphrase").input("a long passphrase of her own")
    _click(at, "add-submit")
    assert _accounts(database())["pat@example.org"].has_passphrase


def test_disabling_ends_the_persons_sessions_at_once(app: AppFactory, database: Callable[[], Engine]) -> None:
    at = _open(app(as_demo="admin"), Page.ADMIN_PEOPLE)
    engine = database()
    token = demo.demo_sign_in(engine, LEARNER, settings=load_settings(), info=BUNDLED_INFO).token
    assert token is not None and resume_session(engine, token) is not None
    _choose(at, LEARNER)
    assert at.button(key=f"active-{LEARNER}").label == "Disable account"
    _click(at, f"active-{LEARNER}")
    assert _texts(at.success) == [f"Disabled {LEARNER}."]
    assert resume_session(engine, token) is None
    assert next(r for r in _rows(at) if r["Email"] == LEARNER)["Active"] is False
    assert _events(engine, "account_disabled")[0] == (ADMIN, LEARNER, "")
    assert at.button(key=f"active-{LEARNER}").label == "Enable account"
    _click(at, f"active-{LEARNER}")
    assert _accounts(engine)[LEARNER].active

    # The admin cannot disable themselves from here.
    _choose(at, ADMIN)
    assert f"active-{ADMIN}" not in [b.key for b in at.button]


def test_capabilities_and_leader_scope_change(app: AppFactory, database: Callable[[], Engine]) -> None:
    at = _open(app(as_demo="admin"), Page.ADMIN_PEOPLE)
    _choose(at, LEARNER)
    at.multiselect(key=f"capabilities-{LEARNER}").set_value(["learner", "leader"])
    at.multiselect(key=f"leader-departments-{LEARNER}").set_value(["HR", "Legal"])
    _click(at, f"save-capabilities-{LEARNER}")
    assert _texts(at.success) == [f"Saved the capabilities of {LEARNER}."]
    grants = _accounts(database())[LEARNER].grants
    assert grants.capabilities == {Capability.LEARNER, Capability.LEADER}
    assert grants.leader_departments == frozenset({"HR", "Legal"})
    assert next(r for r in _rows(at) if r["Email"] == LEARNER)["Capabilities"] == "learner; leader:HR|Legal"

    # Departments without the leader capability, and removing one's own admin, are refused.
    at.multiselect(key=f"capabilities-{LEARNER}").set_value(["learner"])
    _click(at, f"save-capabilities-{LEARNER}")
    assert _texts(at.error) == ["leader departments apply only to the leader capability"]
    _choose(at, ADMIN)
    at.multiselect(key=f"capabilities-{ADMIN}").set_value(["learner"])
    _click(at, f"save-capabilities-{ADMIN}")
    assert _texts(at.error) == ["you cannot remove your own admin capability"]
    assert Capability.ADMIN in _accounts(database())[ADMIN].grants.capabilities


def test_setting_a_passphrase(app: AppFactory, database: Callable[[], Engine]) -> None:
    at = _open(app(as_demo="admin"), Page.ADMIN_PEOPLE)
    _choose(at, LEARNER)
    at.text_input(key=f"passphrase-{LEARNER}").input("a passphrase to remember")
    at.text_input(key=f"passphrase-again-{LEARNER}").input("a passphrase to forget")
    _click(at, f"set-passphrase-{LEARNER}")
    assert _texts(at.error) == ["The two passphrases differ."]
    at.text_input(key=f"passphrase-{LEARNER}").input("a passphrase to remember")
    at.text_input(key=f"passphrase-again-{LEARNER}").input("a passphrase to remember")
    _click(at, f"set-passphrase-{LEARNER}")
    assert _texts(at.success) == [f"Set a new passphrase for {LEARNER}."]
    engine = database()
    assert _accounts(engine)[LEARNER].has_passphrase
    assert _events(engine, "passphrase_changed")[0] == (ADMIN, LEARNER, "")


def test_exporting_and_erasing_a_person(
    app: AppFactory, database: Callable[[], Engine], downloads: dict[str, bytes]
) -> None:
    at = _open(app(as_demo="admin"), Page.ADMIN_PEOPLE)
    _choose(at, LEARNER)
    _click(at, f"export-{LEARNER}")
    [button] = at.download_button
    assert button.label == "Download the export (JSON)"
    export = json.loads(downloads["export-legal.learner_demo.needtoshare.invalid.json"])
    assert export["email"] == LEARNER and export["found"] is True
    assert export["tables"]["person"][0]["name"] == "Legal & compliance learner (demo)"
    engine = database()
    assert _events(engine, "person_exported")[0] == (ADMIN, LEARNER, "")

    erase = f"erase-{LEARNER}"
    assert at.button(key=erase).disabled
    at.text_input(key=f"erase-confirm-{LEARNER}").input("hr.learner@demo.needtoshare.invalid").run()
    assert at.button(key=erase).disabled
    at.text_input(key=f"erase-confirm-{LEARNER}").input(f"  {LEARNER.upper()} ").run()
    assert not at.button(key=erase).disabled
    _click(at, erase)
    assert _texts(at.success) == [f"Erased everything held about {LEARNER}."]
    assert LEARNER not in [r["Email"] for r in _rows(at)]
    assert at.selectbox(key="admin_people:person").value is None
    assert LEARNER not in _accounts(engine)
    assert _events(engine, "person_erased")[0] == (ADMIN, "[erased]", "")

    _choose(at, ADMIN)  # an admin cannot erase themselves
    assert f"erase-{ADMIN}" not in [b.key for b in at.button]


# --- roster import ---------------------------------------------------------------------------------


def test_a_roster_preview_lists_each_line_once_and_applies_nothing_unless_told(
    app: AppFactory, database: Callable[[], Engine], downloads: dict[str, bytes]
) -> None:
    at = _open(app(as_demo="admin"), Page.ADMIN_ROSTER)
    text = (HEADER
            + "dee.okafor@example.org,Dee Okafor,Legal,legal,,learner\n"
            + "not-an-email,Somebody,Legal,legal,,learner\n"
            + "eli.park@example.org,=Eli Park,Legal,astrology,,learner\n"
            + "fay@example.org,Fay,Legal,legal,ghost@example.org,learner\n"
            + f"{LEARNER},Legal & compliance learner (demo),Legal,legal; hr,,learner\n")
    at.text_area(key="roster-text").input(text).run()
    _click(at, "roster-preview")
    lines = len(at.dataframe) - 1  # the last table lists the lines
    assert _texts(at.warning) == ["3 problem row(s) found. Fix them and preview again, or tick "
                                  "\"Leave out the problem rows\" to apply the other rows only."]
    assert _rows(at, lines) == [
        {"Line": 2, "Email": "dee.okafor@example.org", "Outcome": "add", "Details": ""},
        {"Line": 3, "Email": "not-an-email", "Outcome": "problem",
         "Details": "'not-an-email' is not an email address"},
        {"Line": 4, "Email": "eli.park@example.org", "Outcome": "problem",
         "Details": "eli.park@example.org: unknown track 'astrology'"},
        {"Line": 5, "Email": "fay@example.org", "Outcome": "problem",
         "Details": "fay@example.org: unknown manager ghost@example.org"},
        {"Line": 6, "Email": LEARNER, "Outcome": "change", "Details": "tracks"},
    ]
    assert at.main.caption[-1].value == "pasted text: 1 to add, 1 to update, 0 unchanged, 3 problem(s)"
    assert at.button(key="roster-apply").disabled
    problems = list(csv.reader(io.StringIO(downloads["roster-problems.csv"].decode())))
    assert problems[0] == ["line", *HEADER.strip().split(","), "problem"]
    assert problems[2] == ["4", "eli.park@example.org", "'=Eli Park", "Legal", "astrology", "", "learner",
                           "eli.park@example.org: unknown track 'astrology'"]
    assert [row[0] for row in problems[1:]] == ["3", "4", "5"]

    # A press of Apply, even forged, applies nothing until the admin chose to leave the problems out.
    apply = at.button(key="roster-apply")
    apply.proto.disabled = False
    apply.click().run()
    assert not at.exception and not at.success
    engine = database()
    people = _accounts(engine)
    assert "dee.okafor@example.org" not in people and people[LEARNER].tracks == ("legal",)
    assert _events(engine, "roster_imported") == []

    at.checkbox(key="roster-leave-out").check().run()
    assert at.checkbox(key="roster-leave-out").label == (
        "Leave out the 3 problem row(s) and apply the other rows")
    _click(at, "roster-apply")
    assert _texts(at.success) == [
        "Roster applied: 1 added, 1 updated, 0 unchanged, 3 problem row(s) left out."]
    people = _accounts(engine)
    assert "dee.okafor@example.org" in people and people[LEARNER].tracks == ("legal", "hr")
    assert "fay@example.org" not in people and "eli.park@example.org" not in people
    imported = list_audit_events(engine, _actor(engine, ADMIN), kind="roster_imported")
    assert [e.detail for e in imported] == [{"add": 1, "update": 1, "unchanged": 0, "left_out": 3}]


def test_apply_after_a_clean_preview_applies(app: AppFactory, database: Callable[[], Engine]) -> None:
    at = _open(app(as_demo="admin"), Page.ADMIN_ROSTER)
    text = (HEADER
            + "dee.okafor@example.org,Dee Okafor,Legal,legal; leadership,,learner; leader:Legal\n"
            + "eli.park@example.org,Eli Park,Legal,legal,dee.okafor@example.org,learner\n")
    at.file_uploader(key="roster-file").upload("hr-export.csv", ("\ufeff" + text).encode(), "text/csv")
    at.run()
    assert at.button(key="roster-apply").disabled
    _click(at, "roster-preview")
    assert _texts(at.success) == ["No problem found. Apply to make these changes."]
    assert seen(at.main.caption[-1].value) == (
        "hr-export.csv: 2 to add, 0 to update, 0 unchanged, 0 problem(s)")
    assert not at.button(key="roster-apply").disabled

    # Another text needs its own preview.
    at.file_uploader(key="roster-file").set_value(None)
    at.text_area(key="roster-text").input(text + "fay@example.org,Fay,IT,it,,learner\n").run()
    assert at.button(key="roster-apply").disabled
    assert _texts(at.info) == ["The roster changed since the last preview: preview it again."]
    at.text_area(key="roster-text").input("")
    at.file_uploader(key="roster-file").upload("hr-export.csv", ("\ufeff" + text).encode(), "text/csv")
    at.run()
    assert not at.button(key="roster-apply").disabled

    # Text changed in the same message as a press of Apply is not applied unseen.
    at.file_uploader(key="roster-file").set_value(None)
    at.text_area(key="roster-text").input(text + "fay@example.org,Fay,IT,it,,learner\n")
    at.button(key="roster-apply").click().run()
    assert not at.exception and not at.success
    assert "fay@example.org" not in _accounts(database())
    at.text_area(key="roster-text").input(text)
    at.run()
    assert not at.button(key="roster-apply").disabled  # the very text that was previewed

    _click(at, "roster-apply")
    assert _texts(at.success) == ["Roster applied: 2 added, 0 updated, 0 unchanged."]
    assert at.button(key="roster-apply").disabled
    engine = database()
    people = _accounts(engine)
    assert people["eli.park@example.org"].manager_email == "dee.okafor@example.org"
    assert people["dee.okafor@example.org"].grants.leader_departments == frozenset({"Legal"})
    assert [who for who, _whom, _target in _events(engine, "roster_imported")] == [ADMIN]


# --- audit log --------------------------------------------------------------------------------------


def test_the_audit_log_reads_as_sentences_and_its_csv_neutralises_formulas(
    app: AppFactory, database: Callable[[], Engine]
) -> None:
    at = _open(app(as_demo="admin"), Page.ADMIN_PEOPLE)
    at.text_input(key="add-email").input("=cmd@example.org")
    at.text_input(key="add-name").input("=HYPERLINK(\"http://evil.example\")")
    _click(at, "add-submit")
    assert _texts(at.success) == ["Added =cmd@example.org."]
    engine = database()
    admin = _actor(engine, ADMIN)
    record_audit_event(engine, admin, "probe", target="+SUM(1,2)", address="@evil")
    record_audit_event(engine, admin, "probe", target="-2+3", detail={"a": "=1"})

    _open(at, Page.ADMIN_AUDIT)
    shown = _rows(at)
    assert shown[0]["Kind"] == "probe" and shown[0]["Event"] == f"Ada Admin (demo) ({ADMIN}): probe on -2+3."
    created = next(r for r in shown if r["Kind"] == "account_created")
    assert str(created["Event"]).endswith("added =HYPERLINK(\"http://evil.example\") (=cmd@example.org) "
                                          "as learner.")
    entries = list_audit_events(engine, admin, limit=1000)
    rows = list(csv.DictReader(io.StringIO(render_csv(rows_of(entries)))))
    assert list(rows[0]) == ["When", "Event", "Kind", "Who", "Whom", "Target", "Detail", "Address"]
    assert [(r["Target"], r["Detail"], r["Address"]) for r in rows[:2]] == [
        ("'-2+3", '{"a": "=1"}', ""), ("'+SUM(1,2)", "", "'@evil")]
    created_row = next(r for r in rows if r["Kind"] == "account_created")
    assert (created_row["Who"], created_row["Whom"]) == (ADMIN, "'=cmd@example.org")
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())

    button = at.get("download_button")[0]
    assert button.proto.label == f"Download the {len(entries)} matching events as CSV"
    button.click().run()
    assert not at.exception
    assert _events(engine, "audit_exported")[0] == (ADMIN, "", "audit_log")


def test_the_audit_log_filters_by_kind_person_and_day_a_page_at_a_time(
    app: AppFactory, database: Callable[[], Engine]
) -> None:
    at = app(as_demo="admin")
    engine = database()
    admin = _actor(engine, ADMIN)
    for number in range(60):
        record_audit_event(engine, admin, "probe", target=f"t{number}")
    _open(at, Page.ADMIN_AUDIT)
    assert "page_denied" in at.selectbox(key="audit-kind").options
    at.selectbox(key="audit-kind").set_value("demo_sign_in").run()
    assert {row["Kind"] for row in _rows(at)} == {"demo_sign_in"}
    at.selectbox(key="audit-kind").set_value("person_erased").run()
    assert not at.dataframe and _texts(at.info) == ["No event matches this filter."]

    at.selectbox(key="audit-kind").set_value("All kinds")
    at.text_input(key="audit-person").input("legal.learner").run()
    assert all("legal.learner" in f"{row['Event']}" for row in _rows(at))
    at.text_input(key="audit-person").input("").run()
    total = len(list_audit_events(engine, admin, limit=1000))
    assert at.main.caption[0].value == f"Events 1 to 50 of {total}, newest first. Times are in UTC."
    at.number_input(key="audit-page").set_value(2).run()
    assert at.main.caption[0].value.startswith("Events 51 to ")
    assert _rows(at)[0]["Event"] == f"Ada Admin (demo) ({ADMIN}): probe on t9."
    at.number_input(key="audit-page").set_value(1)
    at.date_input(key="audit-until").set_value(date(2020, 1, 1)).run()
    assert not at.dataframe and _texts(at.info) == ["No event matches this filter."]


# --- refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize("local", ["legal.learner", "trainer", "leader"])
def test_admin_pages_refuse_everyone_else(
    app: AppFactory, database: Callable[[], Engine], local: str
) -> None:
    at = app(as_demo=local)
    token = at.session_state["nts_token"]
    email = f"{local}@{demo.DEMO_DOMAIN}"
    engine = database()
    for page in ADMIN_PAGES:
        at.switch_page(PAGES[page].script).run()  # asked for by its address: hidden, and refused
        assert _texts(at.error) == [REFUSAL] and not at.dataframe
        direct = AppTest.from_file(str(ROOT / PAGES[page].script), default_timeout=60)
        direct.session_state["nts_token"] = token
        direct.run()
        assert not direct.exception, direct.exception
        assert _texts(direct.error) == [REFUSAL]
        assert not direct.title and not direct.dataframe and not direct.button
        assert (email, "", page.value) in _events(engine, "page_denied")
