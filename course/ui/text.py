"""Plain text made safe for Streamlit's Markdown: what a trainer or admin typed shows as typed.

Nearly every Streamlit call that shows text (markdown, headers, captions, alerts, tab, expander
and widget labels, radio options) reads its string as Markdown with Streamlit's own extras:
`$...$` LaTeX, `:red[...]` colours, `:material/...:` icons and `:emoji:` shortcodes. A title such
as `![x](https://evil.example/p.png)` would load an image from anywhere. `literal` escapes a value
so that the browser shows exactly its characters, on one line.

Streamlit also uses the string as it is for some accessible names (a checkbox's `aria-label`),
where every backslash would be read aloud, so the escaping is as light as safety allows:

- A backslash goes before each character that is markup wherever it stands (`\\`, a backtick,
  `*`, `_`, `[`, `]`, `<`, `~`, `$`, `|`), before `&` when it would start an entity, and before
  what would open a block at the start of the line (`# `, `>`, `- `, `+ `, `1. `, `1) `). Commas,
  full stops, brackets, quotes and the rest stay as they are: with `[` and `<` escaped they
  cannot take part in a link, an image or a tag.
- An invisible word joiner (U+2060) breaks the patterns that Streamlit finds in the raw source
  or in the parsed text, where a backslash would not help: after a colon that starts a directive,
  icon, emoji shortcode or web address (`:red[`, `:material/`, `:smile:`, `https://`), after the
  `@` of an e-mail address and inside `www.`. A colon before a blank or a number ("Step 2: Act",
  "22:45") gets none.
- Line breaks and runs of blanks become one space: a label must stay one line, and Markdown would
  drop leading blanks or read four of them as code.
"""

from __future__ import annotations

import re

#: Characters that are markup wherever they stand.
_ALWAYS = re.compile(r"([\\`*_\[\]<~$|])")
#: An `&` that would start a character reference such as `&amp;` or `&#60;`.
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
#: What opens a heading, quotation or list when it starts the line.
_BLOCK_START = re.compile(r"^(?:(>|[#+-](?=[#\s-]|$))|(\d{1,9})([.)])(?=\s|$))")
#: Blanks Markdown collapses or reads as structure (indentation, line breaks).
_BLANKS = re.compile(r"[ \t\n\r\f\v]+")
#: Characters a Markdown parser replaces or drops (NUL becomes U+FFFD, the rest are invisible).
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
#: An invisible character that joins words; it splits a pattern Streamlit would act on.
JOINER = "\u2060"
#: Where a joiner goes: after a colon that a letter or slash follows, or that starts a
#: shortcode-shaped run (`:+1:`, `:100:`); after an `@` before a word; between `www` and its dot.
_PATTERNS = re.compile(r"(?<=:)(?=[A-Za-z/]|[\w+-]+:)|(?<=@)(?=\w)|(?<=www)(?=\.)", re.IGNORECASE)


def literal(text: object) -> str:
    """Return `text` escaped so Streamlit's Markdown shows exactly its characters on one line."""
    escaped = _ENTITY.sub(r"\\&", _ALWAYS.sub(r"\\\1", shown(text)))
    opened = _BLOCK_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", escaped, count=1)
    return _PATTERNS.sub(JOINER, opened)


def shown(text: object) -> str:
    """Return what `literal(text)` shows on screen: the text on one line, blanks collapsed.

    The invisible joiners `literal` adds are left out: they are not seen and not read aloud.
    """
    return _BLANKS.sub(" ", _CONTROLS.sub("", str(text))).strip()
