"""The accessibility helpers' pure parts: what the live region says and what goes into the page script."""

from __future__ import annotations

import json

from course.ui import a11y
from course.ui.text import literal


def test_meter_changes_say_each_meter_from_and_to_in_order() -> None:
    labels = {"trust": "Customer trust", "reputation": "Public reputation"}
    said = a11y.meter_changes(labels, {"trust": 50, "reputation": 40}, {"trust": 70, "reputation": 40})
    assert said == "Customer trust 50 to 70 (+20); Public reputation stays at 40."


def test_meter_changes_skip_unknown_meters_and_say_nothing_without_any() -> None:
    assert a11y.meter_changes({"x": "X"}, {}, {"x": 3}) == ""
    assert a11y.meter_changes({}, {"x": 1}, {"x": 2}) == ""


def test_meter_changes_sign_a_fall() -> None:
    said = a11y.meter_changes({"risk": "Legal risk"}, {"risk": 30}, {"risk": 25})
    assert said == "Legal risk 30 to 25 (-5)."


def test_text_of_drops_tags_and_keeps_words_with_entities_decoded() -> None:
    fragment = ("<p>The post <em>spreads</em>:\n<strong>5&nbsp;000</strong> shares &amp; counting.</p>"
                "<img src=x>")
    assert a11y.text_of(fragment) == "The post spreads: 5\u00a0000 shares & counting."
    assert a11y.text_of("<p>One.</p><p>Two.</p><ul><li>a</li><li>b</li></ul>") == "One. Two. a b"


def test_script_data_cannot_close_its_script_element() -> None:
    hostile = '</script><script>alert(1)</script> & <!--'
    written = a11y._json_for_script({"text": hostile})
    assert "<" not in written and ">" not in written and "&" not in written
    assert json.loads(written) == {"text": hostile}


def test_the_focus_target_is_the_text_the_heading_shows() -> None:
    for title in ["Step 2: *act* now", "# not a heading", "a_b [c](d) <x> $5", "Plain title"]:
        assert a11y._unescaped(literal(title)) == title
