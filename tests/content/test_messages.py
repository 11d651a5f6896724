"""Email templates as content files: parsed, checked with exact diagnostics, filled in safely."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.content.messages import built_in_messages, load_messages, parse_message
from course.domain.diagnostics import Code
from course.domain.messages import MessageKind, fill
from course.services.catalog import validate
from course.settings import BUNDLED_ROOT

GOOD_DUE = """---
subject: "{item} is due today"
---
Hello {name},

**{item}** is due today: [open it]({link}).
"""
VALUES = {"name": "Ada", "item": "Legal track", "due_date": "Monday 1 June 2026",
          "link": "https://course.example.org/", "days_left": "0"}


def problems(text: str, kind: MessageKind = MessageKind.REMINDER_DUE) -> list[str]:
    template, found = parse_message(text, kind, source="messages/x.md")
    assert (template is None) == bool(found)
    return [d.format() for d in found]


def test_a_good_message_renders_to_text_and_sanitised_html_keeping_placeholders() -> None:
    template, found = parse_message(GOOD_DUE, MessageKind.REMINDER_DUE, source="messages/reminder-due.md")
    assert found == [] and template is not None
    assert template.subject == "{item} is due today"
    assert template.text == "Hello {name},\n\n{item} is due today: open it ({link}).\n"
    assert '<strong>{item}</strong>' in template.html and 'href="{link}"' in template.html


def test_an_unknown_placeholder_is_named_with_its_line_and_a_suggestion() -> None:
    text = GOOD_DUE.replace("Hello {name},", "Hello {nmae},")
    assert problems(text) == [
        "messages/x.md:4: error: unknown placeholder {nmae} in a reminder-due message; did you mean "
        "'name'?; use one of {days_left}, {due_date}, {item}, {link}, {name}, or write {{ and }} for "
        "a literal brace [placeholder-unknown]"]


def test_a_placeholder_of_another_kind_is_unknown_here() -> None:
    assert problems(GOOD_DUE + "\n{report_name}\n")[0].startswith(
        "messages/x.md:8: error: unknown placeholder {report_name} in a reminder-due message")


def test_a_missing_subject_and_a_missing_required_placeholder_are_errors() -> None:
    text = "---\ndays_before: 3\n---\nHello {name}, see {link}.\n"
    assert problems(text, MessageKind.REMINDER_BEFORE) == [
        "messages/x.md:1: error: the message has no subject: add 'subject: ...' to its front matter "
        "[fm-missing-key]",
        "messages/x.md:4: error: a reminder-before message must use {due_date}, {item}, "
        "{unsubscribe_link} in its body [placeholder-missing]"]


def test_front_matter_is_checked_strictly() -> None:
    assert problems(GOOD_DUE.replace("---\nsubject", "---\nsubjet: x\nsubject", 1)) == [
        "messages/x.md:2: error: unknown key 'subjet' in a message; did you mean 'subject'?; a message "
        "has subject and, for reminder-before, days_before [fm-unknown-key]"]
    assert problems(GOOD_DUE.replace("---\nsubject", "---\ndays_before: 3\nsubject", 1)) == [
        "messages/x.md:2: error: days_before belongs in reminder-before.md, not in a reminder-due "
        "message [fm-unknown-key]"]
    before = built_in_messages().get(MessageKind.REMINDER_BEFORE)
    assert before.days_before == 7
    text = (Path(__file__).resolve().parents[2] / "course/content/default_messages/reminder-before.md"
            ).read_text(encoding="utf-8").replace("days_before: 7", "days_before: 99")
    assert [p.split(": ", 2)[2] for p in problems(text, MessageKind.REMINDER_BEFORE)] == [
        "days_before must be a whole number of days from 1 to 60 [fm-type]"]
    assert problems("no front matter {item} {link}\n") == [
        "messages/x.md:1: error: the message must start with front matter between --- lines, with its "
        "subject [fm-missing]"]
    assert problems(GOOD_DUE.replace('"{item} is due today"', '"{itme} due"'))[0].startswith(
        "messages/x.md:2: error: unknown placeholder {itme}")


def test_literal_braces_are_written_doubled() -> None:
    template, _ = parse_message(GOOD_DUE + "\nWrite {{name}} to greet.\n", MessageKind.REMINDER_DUE,
                                source="m")
    assert template is not None
    assert "Write {name} to greet." in fill(template, VALUES).text


@pytest.mark.parametrize("name", [
    "<script>alert(1)</script>", "[click](https://evil.example)", "**bold** <b>x</b>",
    '"><img src=x onerror=alert(1)>', "Ada\r\nBcc: victim@example.org",
])
def test_a_hostile_name_stays_plain_text_in_every_part(name: str) -> None:
    template = built_in_messages().get(MessageKind.OVERDUE_MANAGER)
    filled = fill(template, {**VALUES, "name": "Grace", "report_name": name, "report_email": "x@example.org",
                             "days_overdue": "3"})
    assert "\n" not in filled.subject and "\r" not in filled.subject
    assert "<script" not in filled.html and "<img" not in filled.html and "<b>" not in filled.html
    assert "https://evil.example" not in filled.html.replace("[click](https://evil.example)", "")
    assert 'href="https://evil.example"' not in filled.html
    assert name.replace("\r\n", " ").split()[0] in filled.subject


def test_hostile_markup_in_a_template_is_sanitised() -> None:
    text = GOOD_DUE + "\n<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=y>\n"
    template, found = parse_message(text, MessageKind.REMINDER_DUE, source="m")
    assert found == [] and template is not None
    assert "<script" not in template.html and "&lt;script&gt;" in template.html  # shown as text
    assert "href" not in template.html.replace('href="{link}"', "")  # no javascript: link
    assert "<img" not in template.html


def test_a_course_folder_overrides_kinds_it_has_and_reports_strays(tmp_path: Path) -> None:
    folder = tmp_path / "messages"
    folder.mkdir()
    (folder / "reminder-due.md").write_text(GOOD_DUE.replace("due today", "DUE"), encoding="utf-8")
    (folder / "welcom.md").write_text("x", encoding="utf-8")
    (folder / "_draft.md").write_text("x", encoding="utf-8")
    (folder / "overdue-manager.md").write_text("---\nsubject: x\n---\nnothing\n", encoding="utf-8")
    loaded = load_messages(tmp_path)
    assert loaded.files == 2
    assert loaded.get(MessageKind.REMINDER_DUE).subject == "{item} is DUE"
    assert loaded.get(MessageKind.WELCOME) == built_in_messages().get(MessageKind.WELCOME)
    # A broken file is reported, and its kind falls back to the built-in wording.
    assert loaded.get(MessageKind.OVERDUE_MANAGER).source == "(built-in) overdue-manager.md"
    assert [(d.path, d.line, d.code) for d in loaded.diagnostics] == [
        ("messages/overdue-manager.md", 4, Code.PLACEHOLDER_MISSING),
        ("messages/welcom.md", 1, Code.MESSAGE_UNKNOWN)]
    assert "did you mean 'welcome'?" in loaded.diagnostics[1].message


def test_validate_reports_broken_messages_with_the_rest(tmp_path: Path) -> None:
    for name in ("course.yaml",):
        (tmp_path / name).write_text((BUNDLED_ROOT / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "messages").mkdir()
    (tmp_path / "messages" / "welcome.md").write_text("---\nsubject: Hi\n---\n{item} {due_date} {oops}\n",
                                                      encoding="utf-8")
    report = validate(tmp_path)
    found = [d.format() for d in report.diagnostics if d.path.startswith("messages/")]
    assert found == ["messages/welcome.md:4: error: a welcome message must use {link} in its body "
                     "[placeholder-missing]",
                     "messages/welcome.md:4: error: unknown placeholder {oops} in a welcome message; use "
                     "one of {days_left}, {due_date}, {item}, {link}, {name}, or write {{ and }} for a "
                     "literal brace [placeholder-unknown]"]
    assert not report.ok


def test_the_bundled_course_words_every_message_itself_without_a_problem() -> None:
    loaded = load_messages(BUNDLED_ROOT)
    assert loaded.diagnostics == () and loaded.files == len(MessageKind)
    assert all(t.source.startswith("messages/") for t in loaded.templates.values())


def test_a_huge_message_is_refused_before_parsing() -> None:
    assert problems("---\nsubject: x\n---\n" + "[" * 30_000)[0].endswith("[file-too-large]")


DIGEST = """---
subject: "{count} of your people are late: {reports}"
---
Hello {name},

{reports}

[Open the course]({link})
"""


def test_a_digest_lists_its_reports_as_a_list_in_each_part_and_as_one_line_in_the_subject() -> None:
    template, found = parse_message(DIGEST, MessageKind.OVERDUE_DIGEST, source="messages/overdue-digest.md")
    assert found == [] and template is not None
    filled = fill(template, {"name": "Grace", "count": "2", "link": "https://course.example.org/"},
                  {"reports": ["Ada <b>\nLovelace</b>: Legal", "Bo: HR"]})
    assert filled.subject == "2 of your people are late: Ada <b> Lovelace</b>: Legal, Bo: HR"
    assert "\n- Ada <b> Lovelace</b>: Legal\n- Bo: HR\n" in filled.text
    assert "<ul><li>Ada &lt;b&gt; Lovelace&lt;/b&gt;: Legal</li><li>Bo: HR</li></ul>" in filled.html
    assert "<p><ul>" not in filled.html  # the list replaces its paragraph


def test_a_digest_places_its_list_on_a_line_of_its_own_and_names_no_single_assignment() -> None:
    inline = DIGEST.replace("\n{reports}\n", "\nLate: {reports}\n")
    assert problems(inline, MessageKind.OVERDUE_DIGEST) == [
        "messages/x.md:6: error: {reports} stands for a list, one item per line: put it on a line of "
        "its own, with nothing else on that line [placeholder-place]"]
    one_item = DIGEST.replace("Hello {name},", "Hello {name}, about {item} due {due_date}:")
    found = problems(one_item, MessageKind.OVERDUE_DIGEST)
    assert len(found) == 2 and all(f.endswith("[placeholder-unknown]") for f in found)
    assert "unknown placeholder {item} in a overdue-digest message" in found[0]
    missing = problems(DIGEST.replace("\n{reports}\n", "\neveryone\n"), MessageKind.OVERDUE_DIGEST)
    assert missing == ["messages/x.md:4: error: a overdue-digest message must use {reports} in its body "
                       "[placeholder-missing]"]
    elsewhere = problems(GOOD_DUE.replace("Hello {name},", "{reports}"))
    assert len(elsewhere) == 1 and elsewhere[0].endswith("[placeholder-unknown]")
