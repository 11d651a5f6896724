"""Plain-text payloads that Streamlit's Markdown would render as something else if unescaped.

Shared by the unit tests of `course.ui.text`, the AppTests of the pages and the browser tests:
links and images to an attacker's host, emphasis, colour directives, icons, emoji shortcodes,
LaTeX, raw HTML, block structure, autolinks, entities and odd whitespace.
"""

from __future__ import annotations

import re

from course.ui.text import JOINER

#: The attacker's host: no link or image on any page may point at it.
EVIL_HOST = "evil.example"

CATALOGUE: tuple[str, ...] = (
    f"![x](https://{EVIL_HOST}/p.png)",
    f"[click](https://{EVIL_HOST})",
    f"[click][ref]\n\n[ref]: https://{EVIL_HOST}",
    f"<https://{EVIL_HOST}/auto>",
    f"https://{EVIL_HOST}/bare",
    f"www.{EVIL_HOST}",
    f"alice@{EVIL_HOST}",
    f"<img src=https://{EVIL_HOST}/raw.png>",
    "<script>window.__pwned = true</script>",
    "<b>bold tag</b> &amp; &lt;i&gt; &#60; &copy;",
    "**bold** __bold__ *em* _em_ ~~strike~~ ~sub~ `code` ``two``",
    ":red[alarm] :blue-background[calm] :rainbow[wow] :small[tiny] :violet-badge[badge]",
    ":material/warning: :material/home: and :streamlit: logo",
    ":smile: :+1: :-) :tada: <3 :heart:",
    "$x^2$ and $$\\int f$$ cost $5 or $6",
    "\\$ escaped dollar \\ a backslash \\\\ two, trailing backslash\\",
    "# heading",
    "## heading two",
    "- item",
    "+ plus item",
    "* star item",
    "1. numbered",
    "2) numbered",
    "> quote",
    "| a | b |\n|---|---|\n| c | d |",
    "---",
    "Title\n===",
    "    indented code",
    "line one\nline two\n\nparagraph  two  spaces  \nhard",
    "tab\tseparated\r\nwindows",
    "[^1] footnote\n\n[^1]: note",
    "- [ ] task",
    "{onclick=alert(1)} [x](#a){onclick=alert(1)}",
    "Zoë Ñúñez 日本語 😀 مرحبا",
    "  leading and trailing blanks  ",
    "a_b_c snake_case__name 2*3*4 5_000",
    "Q&A: 50% off! (really?) {braces} [brackets] #hash @at ^caret ~tilde 'quote' \"double\" ;,./?",
)


#: A CommonMark backslash escape: a backslash before ASCII punctuation stands for the punctuation.
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def seen(markdown: str) -> str:
    """Return what a reader sees of Markdown whose only markup is backslash escapes and joiners.

    AppTests read the string a page sent; this turns escaped plain text back into its characters,
    so a test can compare it with the content it came from.
    """
    return _ESCAPE.sub(r"\1", markdown).replace(JOINER, "")
