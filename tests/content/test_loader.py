"""Discovery, drafts, caching and partial loading of a content root."""

from __future__ import annotations

from pathlib import Path

from course.content.loader import ParseCache, find_content_files, load_course
from course.domain.diagnostics import Code
from tests.conftest import MANIFEST, MODULE, QUIZ, TreeWriter


def test_drafts_and_hidden_files_are_skipped(write_tree: TreeWriter) -> None:
    root = write_tree({
        "modules/_draft.md": "not even front matter",
        "modules/.hidden.md": "nor this",
        "modules/_wip/deep.md": "nor this",
        "modules/_notes.txt": "a draft note",
    })
    found = [p.relative_to(root).as_posix() for _, p in find_content_files(root)]
    assert found == ["modules/intro.md", "quizzes/intro-quiz.md", "scenarios/first-day.md"]
    assert load_course(root).diagnostics == ()


def test_files_with_another_ending_are_reported_not_skipped_silently(write_tree: TreeWriter) -> None:
    root = write_tree({
        "modules/notes.txt": "not Markdown",
        "modules/extra.markdown": "meant as a module",
        "quizzes/LOUD.MD": "meant as a quiz",
        "scenarios/photo.png": b"\x89PNG",
    })
    assert [d.format() for d in load_course(root).diagnostics] == [
        "modules/extra.markdown:1: warning: 'extra.markdown' is not read: content files end in '.md' "
        "in lower case; rename it to 'extra.md', or start its name with '_' to keep it as a draft "
        "[file-ignored]",
        "modules/notes.txt:1: warning: 'notes.txt' is not read: content files end in '.md' in lower "
        "case; rename it to 'notes.md', or start its name with '_' to keep it as a draft [file-ignored]",
        "quizzes/LOUD.MD:1: warning: 'LOUD.MD' is not read: content files end in '.md' in lower case; "
        "rename it to 'LOUD.md', or start its name with '_' to keep it as a draft [file-ignored]",
        "scenarios/photo.png:1: warning: 'photo.png' is not read: scenarios/ holds only '.md' files; "
        "move it out (media belong in media/), or start its name with '_' to keep it here unread "
        "[file-ignored]",
    ]


def test_a_broken_file_leaves_the_rest_of_the_course_served(write_tree: TreeWriter) -> None:
    root = write_tree({"quizzes/intro-quiz.md": QUIZ.replace("- [x] Listen", "- [ ] Listen")})
    result = load_course(root)
    assert result.course is not None
    assert list(result.course.modules) == ["intro"]
    assert list(result.course.scenarios) == ["first-day"]
    assert dict(result.course.quizzes) == {}
    # the module stays, without its link to the quiz that could not be loaded
    assert result.course.modules["intro"].quiz is None
    assert [d.code for d in result.diagnostics] == [Code.QUESTION_NO_CORRECT]


def test_a_missing_manifest_is_reported(write_tree: TreeWriter) -> None:
    root = write_tree({"course.yaml": None})
    result = load_course(root)
    assert result.course is None
    assert [d.format() for d in result.diagnostics] == [
        "course.yaml:1: error: no course.yaml in content; is this a content folder? [manifest-missing]"
    ]


def test_a_broken_manifest_is_reported_with_its_line(write_tree: TreeWriter) -> None:
    root = write_tree({"course.yaml": "id: test\ntitle: T\nversion: 1.0.0\nroles: {}\n"
                                      "competencies: {a: A}\npass_mark: 170\n"})
    result = load_course(root)
    assert result.course is None
    assert [d.format() for d in result.diagnostics] == [
        "course.yaml:4: error: 'roles': must not be empty [fm-type]",
        "course.yaml:6: error: 'pass_mark': input should be less than or equal to 100 [fm-type]",
    ]


def test_unchanged_files_are_not_parsed_again(write_tree: TreeWriter) -> None:
    root = write_tree()
    cache = ParseCache()
    first = load_course(root, cache=cache)
    entries = dict(cache.entries)
    second = load_course(root, cache=cache)
    assert second.fingerprint == first.fingerprint
    assert all(cache.entries[key] is value for key, value in entries.items())
    (root / "modules/intro.md").write_text(MODULE.replace("Some text.", "Other text."))
    third = load_course(root, cache=cache)
    assert third.fingerprint != first.fingerprint
    assert len(cache.entries) == 3  # the old version of the module was dropped
    assert third.course is not None
    assert "Other text." in third.course.modules["intro"].sections[0].blocks[0].html


def test_items_carry_their_source_and_content_version(write_tree: TreeWriter) -> None:
    result = load_course(write_tree())
    assert result.course is not None
    meta = result.course.modules["intro"].meta
    assert meta.source == "modules/intro.md"
    assert len(meta.version) == 16
    changed = load_course(write_tree({"modules/intro.md": MODULE + "\nMore.\n"}))
    assert changed.course is not None
    assert changed.course.modules["intro"].meta.version != meta.version


def test_windows_line_endings_and_a_bom_are_accepted(write_tree: TreeWriter) -> None:
    text = "\ufeff" + MODULE.replace("\n", "\r\n")
    result = load_course(write_tree({"modules/intro.md": text.encode("utf-8")}))
    assert result.diagnostics == ()


def test_role_blocks_are_kept_for_their_tracks_only(write_tree: TreeWriter) -> None:
    text = MODULE + "\n::: for legal\nFor lawyers.\n:::\n\n::: for hr\nFor HR.\n:::\n"
    result = load_course(write_tree({"modules/intro.md": text}))
    assert result.course is not None
    section = result.course.modules["intro"].sections[0]
    legal = [b.html for b in section.blocks_for({"legal"})]
    assert legal == ["<p>Some text.</p>", "<p>The one thing to remember.</p>", "<p>For lawyers.</p>"]
    assert "<p>For HR.</p>" not in legal


def test_the_content_root_can_live_anywhere(tmp_path: Path, write_tree: TreeWriter) -> None:
    root = write_tree()
    moved = tmp_path / "elsewhere"
    root.rename(moved)
    assert load_course(moved).course is not None


def test_text_before_the_first_node_introduces_the_scenario(write_tree: TreeWriter) -> None:
    from tests.conftest import SCENARIO

    text = SCENARIO.replace("{#start}", "You run the support desk this week.\n\n{#start}")
    result = load_course(write_tree({"scenarios/first-day.md": text}))
    assert result.diagnostics == ()
    assert result.course is not None
    assert result.course.scenarios["first-day"].intro_html == "<p>You run the support desk this week.</p>"


def test_a_minimum_group_in_the_manifest_is_ignored_with_a_warning(write_tree: TreeWriter) -> None:
    root = write_tree({"course.yaml": MANIFEST + "min_group_size: 1\n"})
    result = load_course(root)
    assert result.course is not None and not hasattr(result.course.info, "min_group_size")
    line = MANIFEST.count("\n") + 1
    assert [d.format() for d in result.diagnostics] == [
        f"course.yaml:{line}: warning: 'min_group_size' is ignored: the minimum group is an organisation "
        "setting now, changed by an administrator on the Privacy settings page; remove the key"
        " [setting-moved]"
    ]


def test_a_checklist_in_a_module_draws_its_boxes(write_tree: TreeWriter) -> None:
    checklist = "## Before you post\n\n- [ ] Check the facts\n- [x] Ask legal\n"
    root = write_tree({"modules/intro.md": MODULE.rstrip("\n") + "\n\n" + checklist})
    result = load_course(root)
    assert result.course is not None
    html = " ".join(block.html for section in result.course.modules["intro"].sections
                    for block in section.blocks)
    assert "<li>\u2610 Check the facts</li>" in html and "<li>\u2611 Ask legal</li>" in html
    assert "<input" not in html
