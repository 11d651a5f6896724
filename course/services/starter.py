"""A small, complete course to start from: `python -m course new PATH` writes it.

It declares two roles and two competencies, has a module per role, a quiz and a scenario, a
`demo:` organisation and a media folder, and validates with --strict, so a trainer starts from
something that runs in the demo and changes it piece by piece.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MANIFEST = """\
# The course manifest: see docs/authoring.md, section 2.
format: 1
id: my-course
title: My course - talking with the public online
version: "0.1"
roles:
  board: Board members
  managers: Team managers
competencies:
  judgement: Judgement in public
  replying: Replying well
pass_mark: 70
# The synthetic organisation shown in demo mode (optional; without it, one department per role).
demo:
  departments:
    - {name: Board, share: 1, tracks: [board], skill: 65}
    - {name: Service teams, share: 4, tracks: [managers], skill: 55}
"""

BOARD_MODULE = """\
---
id: board-first-steps
title: "What the board needs to know first"
roles: [board]
competencies: [judgement]
order: 1
quiz: first-steps-quiz
summary: "Why the people at the top set the tone of every public exchange."
minutes: 5
objectives:
  - "Explain why staff copy what the board does in public, not what it writes down."
---

## The tone comes from the top

Staff watch what their leaders do when something goes wrong in public. A board that answers
openly, admits a mistake and thanks the person who raised it teaches more than any policy.

::: key
People follow what leaders do in public, far more than what a policy says.
:::

## One small step

Pick one public thread about your organisation this week and read all of it, replies
included, before anyone decides how to answer.
"""

MANAGERS_MODULE = """\
---
id: managers-first-steps
title: "Answering in public as a team"
roles: [managers]
competencies: [replying]
order: 2
scenario: first-reply
summary: "How a team answers quickly without waiting for permission each time."
minutes: 5
objectives:
  - "Describe what a team may answer on its own and what it passes on."
---

## Agree the easy answers in advance

Most questions a team sees in public are the same few, week after week. Write short, honest
answers to them together, so that anyone on the team can reply within the hour.

## Know what to pass on

Some messages need someone else: a threat to sue, a safety worry, a journalist. Agree who those
go to and how fast, and say in public that the right person will answer.

::: tip
Thank people for raising a problem before you explain anything.
:::
"""

QUIZ = """\
---
id: first-steps-quiz
title: "Check: first steps"
roles: [all]
competencies: [judgement, replying]
summary: "Two situations about answering in public."
---

{#first-read competency=judgement}
## A post criticises your service. What do you do first?

- [x] Read the whole thread, replies included
  > Right. The replies show what people already know and what they expect from you.
- [ ] Ask for the post to be taken down
  > Asking for removal usually draws more attention to the criticism.
- [ ] Wait to see whether it spreads
  > Waiting leaves the criticism unanswered while people are reading it.

{#good-replies competency=replying}
## Which replies help? Choose all that apply.

- [x] Thanking the person for raising it
  > Thanks show that the message was heard.
- [x] Saying when they will hear from you next
  > A time to expect an answer calms a thread.
- [ ] Copying the same statement under each post
  > Repeated statements read as if nobody reads the replies.
"""

SCENARIO = """\
---
id: first-reply
title: "The first reply"
roles: [all]
competencies: [replying, judgement]
summary: "A customer's complaint is gathering replies. Decide how to answer."
minutes: 5
start: the-complaint
meters:
  goodwill: {label: Public goodwill, start: 50, min: 0, max: 100}
---

{#the-complaint}
## Monday 09:00 - a complaint gathers replies

A customer writes that their order arrived broken and nobody answers the phone. Twenty people
have replied that the same happened to them.

- [Reply now: thank them and say when the next update comes](#answered){goodwill=15 score=2}
  > Your reply is the first thing new readers see under the post.
- [Wait until the facts are clear before saying anything in public](#silence){goodwill=-15 score=0}
  > The thread keeps growing with no answer from you.

{#answered ending=good}
## The thread calms down

You answered quickly and said when you would come back. People saw that someone was paying attention,
and the next update had something to say.

{#silence ending=bad}
## The silence became the story

By the time the facts were clear, the story was that nobody answered. A short, honest reply in
the first hour would have changed it.
"""

MEDIA_README = """\
Put the course's images and other media here, and refer to them from the Markdown files.
"""

#: Every file of the starter course, by its path inside the course folder.
FILES: dict[str, str] = {
    "course.yaml": MANIFEST,
    "modules/board-first-steps.md": BOARD_MODULE,
    "modules/managers-first-steps.md": MANAGERS_MODULE,
    "quizzes/first-steps-quiz.md": QUIZ,
    "scenarios/first-reply.md": SCENARIO,
    "media/README.md": MEDIA_README,
}


class StarterRefused(ValueError):
    """The starter was not written, and why (the folder is not empty, or is a file)."""


@dataclass(frozen=True, slots=True)
class Started:
    """Where the starter course was written and the files it holds."""

    root: Path
    files: tuple[str, ...]


def write_starter(root: Path) -> Started:
    """Write the starter course into `root`, which must be missing or an empty folder."""
    if root.exists() and not root.is_dir():
        raise StarterRefused(f"{root} is a file, not a folder")
    if root.is_dir() and any(root.iterdir()):
        raise StarterRefused(f"{root} is not empty; choose a new or empty folder, nothing was written")
    for relative, text in FILES.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return Started(root, tuple(FILES))
