"""Generate a large, valid course from a fixed seed, for benchmarks and scale tests."""

from __future__ import annotations

import random
from pathlib import Path

ROLES = ("legal", "hr", "it", "leadership")
COMPETENCIES = ("listening", "conversation", "policy-risk", "crisis", "culture", "measurement", "security")
_TEXT = (
    "listen conversation customer policy legal risk trust team reply public post review share "
    "channel response brand account staff manager community measure value pilot network video "
    "complaint apology approval guideline record disclosure screen access security password"
)
WORDS = tuple(_TEXT.split())

MANIFEST = f"""id: generated
title: Generated course
version: 1.0.0
roles:
{"".join(f"  {r}: {r.title()}{chr(10)}" for r in ROLES)}competencies:
{"".join(f"  {c}: {c.title()}{chr(10)}" for c in COMPETENCIES)}pass_mark: 70
min_group_size: 5
"""


def _sentence(rng: random.Random, words: int = 14) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _paragraph(rng: random.Random, sentences: int = 5) -> str:
    parts = [_sentence(rng) for _ in range(sentences)]
    parts[1] = f"A **{rng.choice(WORDS)}** and an *{rng.choice(WORDS)}* with `{rng.choice(WORDS)}`."
    return " ".join(parts)


def module_text(rng: random.Random, index: int, quizzes: int, scenarios: int) -> str:
    """Return a module of five sections with admonitions, role blocks, a list and a table."""
    roles = [rng.choice(ROLES)] if index % 3 else ["all"]
    links = f"quiz: quiz-{index % quizzes}\n" if index < quizzes else ""
    links += f"scenario: scenario-{index % scenarios}\n" if index < scenarios else ""
    head = (f"---\nid: module-{index}\ntitle: \"Module {index}: {_sentence(rng, 4)}\"\n"
            f"roles: [{', '.join(roles)}]\ncompetencies: [{rng.choice(COMPETENCIES)}]\n"
            f"summary: {_sentence(rng, 8)}\nminutes: 8\norder: {index}\n{links}---\n\n")
    sections = []
    for s in range(5):
        role = rng.choice(ROLES)
        sections.append(
            f"## Section {s}: {_sentence(rng, 4)}\n\n{_paragraph(rng)}\n\n{_paragraph(rng)}\n\n"
            f"- {_sentence(rng, 6)}\n- {_sentence(rng, 6)}\n- {_sentence(rng, 6)}\n\n"
            f"::: key\n{_sentence(rng)}\n:::\n\n::: for {role}\n{_paragraph(rng, 3)}\n:::\n\n"
            f"::: example\n{_paragraph(rng, 4)}\n:::\n\n| Signal | Meaning |\n|---|---|\n"
            f"| {rng.choice(WORDS)} | {_sentence(rng, 5)} |\n\n{_paragraph(rng)}\n"
        )
    return head + "\n".join(sections)


def quiz_text(rng: random.Random, index: int) -> str:
    """Return a quiz of eight questions with feedback and explanations."""
    competencies = rng.sample(COMPETENCIES, 2)
    head = (f"---\nid: quiz-{index}\ntitle: Quiz {index}\nroles: [all]\n"
            f"competencies: [{', '.join(competencies)}]\npick: 5\n---\n\n")
    questions = []
    for q in range(8):
        correct = {rng.randrange(4)} | ({rng.randrange(4)} if q % 3 == 0 else set())
        options = "".join(
            f"- [{'x' if o in correct else ' '}] {_sentence(rng, 8)}\n  > {_sentence(rng, 12)}\n"
            for o in range(4)
        )
        questions.append(
            f"{{#q{index}-{q} competency={rng.choice(competencies)}}}\n## {_sentence(rng, 10)[:-1]}?\n\n"
            f"{_paragraph(rng, 2)}\n\n{options}\n::: explain\n{_sentence(rng)}\n:::\n"
        )
    return head + "\n".join(questions)


def scenario_text(rng: random.Random, index: int, nodes: int = 16) -> str:
    """Return an acyclic scenario with conditions, effects, consequences and three endings."""
    head = (f"---\nid: scenario-{index}\ntitle: Scenario {index}\nroles: [all]\n"
            f"competencies: [crisis]\nmeters:\n"
            f"  reputation: {{label: Reputation, start: 50, min: 0, max: 100}}\n"
            f"  trust: {{label: Trust, start: 50, min: 0, max: 100}}\n---\n\n")
    body = []
    endings = {nodes - 3: "good", nodes - 2: "mixed", nodes - 1: "bad"}
    for n in range(nodes):
        if n in endings:
            body.append(f"{{#n{n} ending={endings[n]}}}\n## Ending {n}\n\n{_paragraph(rng, 6)}\n")
            continue
        targets = sorted({min(n + 1, nodes - 1), rng.randrange(n + 1, nodes)})
        if n == nodes - 4:  # the last decision leads to every ending, so all are reachable
            targets = sorted(endings)
        choices = ""
        for i, t in enumerate(targets):
            when = ' when="trust >= 30 and reputation > 10"' if i and n % 2 else ""
            score = -9 if t == nodes - 1 else rng.randint(0, 3)  # no best path ends badly
            choices += (f"- [{_sentence(rng, 7)}](#n{t}){{reputation={rng.randint(-15, 15)} "
                        f"trust={rng.randint(-10, 10)} score={score}{when}}}\n"
                        f"  > {_sentence(rng, 12)}\n")
        body.append(f"{{#n{n}}}\n## {n:02d}:00 - {_sentence(rng, 5)}\n\n{_paragraph(rng, 4)}\n\n{choices}")
    return head + "\n".join(body)


def write_course(root: Path, *, modules: int, quizzes: int, scenarios: int, seed: int = 7) -> Path:
    """Write a generated course to root and return it."""
    rng = random.Random(seed)
    for folder in ("modules", "quizzes", "scenarios"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "course.yaml").write_text(MANIFEST)
    for i in range(quizzes):
        (root / "quizzes" / f"quiz-{i}.md").write_text(quiz_text(rng, i))
    for i in range(scenarios):
        (root / "scenarios" / f"scenario-{i}.md").write_text(scenario_text(rng, i))
    for i in range(modules):
        (root / "modules" / f"module-{i}.md").write_text(module_text(rng, i, quizzes, scenarios))
    return root
