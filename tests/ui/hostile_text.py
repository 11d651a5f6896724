"""Plain-text payloads that Streamlit's Markdown would render as something else if unescaped.

Shared by the unit tests of `course.ui.text`, the AppTests of the pages and the browser tests:
links and images to an attacker's host, emphasis, colour directives, icons, emoji shortcodes,
LaTeX, raw HTML, block structure, autolinks, entities and odd whitespace.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

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


# --- A hostile course ------------------------------------------------------------------------

#: Words inside the payload whose rendering a test looks for: bold, colour, formula.
BOLD_WORD, COLOUR_WORD = "boldpay", "colourpay"
#: One line of everything at once, for every plain-text field that can hold brackets.
PAYLOAD = (f"T ![x](https://{EVIL_HOST}/p.png) [click](https://{EVIL_HOST}/l) **{BOLD_WORD}** "
           f":red[{COLOUR_WORD}] $x^2$ <img src=https://{EVIL_HOST}/r.png> :streamlit: :smile: "
           f"www.{EVIL_HOST} <script>window.__pwned=1</script> :material/warning:")
#: For headings and options, which the content layer parses: a Markdown image of a remote file
#: there is refused by the validator (media-remote), so the course would not be served at all.
IN_BODY = PAYLOAD.replace(f"![x](https://{EVIL_HOST}/p.png) ", "")
#: For fields that Markdown itself delimits with brackets (a choice is a link's text).
BRACKETLESS = (f"C **{BOLD_WORD}** $x^2$ <img src=https://{EVIL_HOST}/r.png> www.{EVIL_HOST} "
               f"https://{EVIL_HOST}/bare :streamlit:")
#: Addresses an attacker sends a signed-in person: `?id=` of a module, quiz or scenario.
ADDRESS_IDS = (f"[x](https://{EVIL_HOST})", f"![x](https://{EVIL_HOST}/p.png)",
               f"**{BOLD_WORD}**", f"<img src=https://{EVIL_HOST}/a.png>")
#: A person the roster might hold.
HOSTILE_PERSON = {"email": f"mallory@{EVIL_HOST}", "name": PAYLOAD, "department": BRACKETLESS}


def _yaml(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML double-quoted scalar


def write_hostile_course(root: Path) -> Path:
    """Write a small valid course whose every plain-text field carries the payload; return root."""
    files = {
        "course.yaml": f"id: hostile\ntitle: {_yaml(PAYLOAD)}\nversion: 1.0.0\n"
                       f"roles:\n  legal: {_yaml(PAYLOAD)}\n  hr: HR\n"
                       f"competencies:\n  crisis: {_yaml(PAYLOAD)}\n  listening: Listening\n",
        "modules/intro.md": f"---\nid: intro\ntitle: {_yaml(PAYLOAD)}\nsummary: {_yaml(PAYLOAD)}\n"
                            "roles: [all]\ncompetencies: [crisis]\nquiz: intro-quiz\n"
                            f"scenario: first-day\n---\n\n## {IN_BODY}\n\nSome text.\n\n"
                            "::: key\nThe one thing to remember.\n:::\n",
        "quizzes/intro-quiz.md": f"---\nid: intro-quiz\ntitle: {_yaml(PAYLOAD)}\nroles: [all]\n"
                                 "competencies: [crisis, listening]\n---\n\n"
                                 "{#q-one competency=crisis}\n## What comes first?\n\n"
                                 f"- [x] {IN_BODY}\n  > Right.\n- [ ] {BRACKETLESS}\n  > Wrong.\n",
        "scenarios/first-day.md": f"---\nid: first-day\ntitle: {_yaml(PAYLOAD)}\nroles: [all]\n"
                                  "competencies: [crisis, listening]\nmeters:\n"
                                  f"  reputation: {{label: {_yaml(BRACKETLESS)}, "
                                  "start: 50, min: 0, max: 100}\n"
                                  "---\n\n{#start}\n"
                                  f"## {IN_BODY}\n\nA customer complains.\n\n"
                                  f"- [{BRACKETLESS}](#good-end){{reputation=10 score=2}}\n"
                                  "  > They thank you.\n"
                                  # longer than the best choice, so that length gives nothing away
                                  f"- [Ignore it, {BRACKETLESS}](#bad-end){{reputation=-20 score=0}}\n"
                                  "  > It spreads.\n\n"
                                  f"{{#good-end ending=good}}\n## {IN_BODY}\n\nYou listened.\n\n"
                                  "{#bad-end ending=bad}\n## It spread\n\nYou did not listen.\n",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
