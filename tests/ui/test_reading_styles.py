"""The reading styles: a 70-character column, a distinct box per kind, and readable colours."""

from __future__ import annotations

import re

import pytest

from course.content.posts import PLATFORMS
from course.domain.model import Block, BlockKind
from course.ui import widgets


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, two: str) -> float:
    """Return the WCAG contrast ratio of two #rrggbb colours."""
    light, dark = sorted((_luminance(one), _luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _rule(css: str, selector: str, prop: str) -> str:
    found = re.search(re.escape(selector) + r"\{[^}]*?(?<![-\w])" + prop + r":(#[0-9a-f]{6})", css)
    assert found, (selector, prop)
    return found[1]


def test_the_contrast_formula_matches_known_pairs() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48


def test_prose_and_boxes_keep_to_about_seventy_characters() -> None:
    assert widgets.READING_WIDTH == "70ch"
    assert ".nts-prose{line-height:1.6;max-width:70ch}" in widgets._PROSE_STYLE
    assert ".nts-box{max-width:70ch;" in widgets._BOX_STYLE


KINDS = [BlockKind.KEY, BlockKind.TIP, BlockKind.WARNING, BlockKind.EXAMPLE]


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_each_box_kind_has_its_class_icon_label_and_readable_colours(kind: BlockKind) -> None:
    icon, label, name = widgets._ADMONITIONS[kind]
    markup = widgets.box_markup(Block(kind, "<p>Body</p>"))
    assert (f'<div class="nts-box {name}"><p class="nts-box-label"><span aria-hidden="true">{icon}</span> '
            f'{label}</p><div class="nts-prose"><p>Body</p></div></div>') in markup
    ground = _rule(widgets._BOX_STYLE, f".{name}", "background")
    assert contrast(_rule(widgets._BOX_STYLE, f".{name} .nts-box-label", "color"), ground) >= 4.5
    assert contrast(_rule(widgets._BOX_STYLE, ".nts-box", "color"), ground) >= 4.5


def test_the_four_boxes_look_different() -> None:
    looks = {(_rule(widgets._BOX_STYLE, f".{widgets._ADMONITIONS[k][2]}", "background"),
              widgets._ADMONITIONS[k][0], widgets._ADMONITIONS[k][1]) for k in KINDS}
    assert len({look[0] for look in looks}) == len({look[1] for look in looks}) == len(KINDS)


@pytest.mark.parametrize("platform", sorted(set(PLATFORMS) - {"x", "tiktok", "threads"}))
def test_each_platform_badge_is_readable(platform: str) -> None:
    badge = _rule(widgets._POST_STYLE, f".nts-post-{platform} .nts-post-platform", "background")
    assert contrast("#ffffff", badge) >= 4.5


def test_the_card_text_is_readable() -> None:
    css = widgets._POST_STYLE
    ground = _rule(css, ".nts-post", "background")
    assert contrast(_rule(css, ".nts-post", "color"), ground) >= 4.5
    assert contrast(_rule(css, ".nts-post-platform", "background"), "#ffffff") >= 4.5
    assert contrast(_rule(css, ".nts-post-counts", "color"), ground) >= 4.5


def test_the_post_card_style_goes_only_with_a_card() -> None:
    assert "nts-post{" not in widgets.box_markup(Block(BlockKind.TIP, "<p>Plain</p>"))
    assert "nts-post{" in widgets.box_markup(Block(BlockKind.TIP, '<article class="nts-post nts-post-x">'))
