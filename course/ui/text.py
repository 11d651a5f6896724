"""Plain text made safe for Streamlit's Markdown: what a trainer or admin typed shows as typed.

Nearly every Streamlit call that shows text (markdown, headers, captions, alerts, tab, expander
and widget labels, radio options) reads its string as Markdown with Streamlit's own extras:
`$...$` LaTeX, `:red[...]` colours, `:material/...:` icons and `:emoji:` shortcodes. A title such
as `![x](https://evil.example/p.png)` would load an image from anywhere. `literal` escapes a value
so that the browser shows exactly its characters, on one line.

The rule is CommonMark's own: any ASCII punctuation character may be preceded by a backslash and
then stands for itself. Escaping every one of them, not a chosen few, also breaks the patterns
Streamlit looks for in the raw source before parsing (`:material/` is rewritten as a whole
string, an `:emoji:` shortcode turns the emoji plugin on, an unescaped `$` pair turns on LaTeX).
Some of Streamlit's Markdown works on the parsed text, after escapes are gone: web addresses
(`https://...`, `www.`) and e-mail addresses become links, and `:streamlit:` becomes a logo. An
invisible word joiner (U+2060) after a `:` or `@` that starts such a pattern, and inside `www.`,
breaks those patterns without changing what is seen or read aloud.
Line breaks and runs of blanks become one space, since a label must stay one line and Markdown
would drop leading blanks or read four of them as code.
"""

from __future__ import annotations

import re
import string

#: Every ASCII punctuation character: CommonMark lets each be escaped with a backslash.
_PUNCTUATION = frozenset(string.punctuation)
#: Blanks Markdown collapses or reads as structure (indentation, line breaks).
_BLANKS = re.compile(r"[ \t\n\r\f\v]+")
#: Characters a Markdown parser replaces or drops (NUL becomes U+FFFD, the rest are invisible).
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
#: An invisible character that joins words; it splits a pattern the parser would link.
JOINER = "\u2060"
#: Where a joiner goes: after a colon or at sign that a letter, digit or slash follows (a scheme,
#: a shortcode, an e-mail address), and between `www` and its dot. A colon before a blank, the
#: common case in titles, gets none, so the text stays searchable as typed.
_LINK_PATTERNS = re.compile(r"(?<=:)(?=[A-Za-z/])|(?<=@)(?=\w)|(?<=www)(?=\.)", re.IGNORECASE)


def literal(text: object) -> str:
    """Return `text` escaped so Streamlit's Markdown shows exactly its characters on one line."""
    joined = _LINK_PATTERNS.sub(JOINER, shown(text))
    return "".join(f"\\{char}" if char in _PUNCTUATION else char for char in joined)


def shown(text: object) -> str:
    """Return what `literal(text)` shows on screen: the text on one line, blanks collapsed.

    The invisible joiners `literal` adds are left out: they are not seen and not read aloud.
    """
    return _BLANKS.sub(" ", _CONTROLS.sub("", str(text))).strip(" ")
