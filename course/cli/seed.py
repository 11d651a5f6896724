"""`python -m course seed-demo [--learners N] [--seed S] [--weeks W] [--bulk-answers A]`, and
`python -m course demo-rehearse EMAIL TRACK [--finish]`."""

from __future__ import annotations

import argparse
import sys

from course.domain.model import Course
from course.services.catalog import load
from course.services.database import close_database, open_database
from course.services.rehearsal import RehearsalRefused, rehearse_track
from course.services.seed import DEMO_LEARNERS, describe, seed_bulk, seed_demo
from course.settings import Settings, SettingsError, load_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `seed-demo` subcommand."""
    parser = subparsers.add_parser(
        "seed-demo",
        help="create a synthetic organisation that takes the course (for demos)",
        description="Create synthetic learners in departments, tracks and levels who take the "
        "configured course through the app's own services, improving week by week. With "
        "--bulk-answers, write that many answers straight into the tables instead (benchmarks).",
    )
    parser.add_argument(
        "--learners", type=int, default=DEMO_LEARNERS, help="how many learners (default: 120)"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--weeks", type=int, default=8, help="weeks of history (default: 8)")
    parser.add_argument(
        "--bulk-answers",
        type=int,
        default=0,
        metavar="A",
        help="bulk path: write about A answers without the services",
    )
    parser.set_defaults(run=run)
    rehearse = subparsers.add_parser(
        "demo-rehearse",
        help="do a demo learner's work on a track, leaving its last section (demo mode only)",
        description="Read, answer and play a demo learner's track through the app's services, "
        "leaving the last section of its last module for you to read in the browser, where "
        "finishing the track shows the certificate. Only with NTS_DEMO=1, only for demo people.",
    )
    rehearse.add_argument("email", help="a demo person's email, as the sign-in page's demo buttons list them")
    rehearse.add_argument("track", help="a track id of the course, as course.yaml declares it")
    rehearse.add_argument("--finish", action="store_true", help="read the last section too")
    rehearse.set_defaults(run=run_rehearsal)


def _settings_and_course() -> tuple[Settings, Course] | int:
    """Read the settings and load the course, or print why not and return the exit code."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    course = load(settings.content_root).course
    if course is None:
        print(f"error: the course in {settings.content_root} does not load; run validate", file=sys.stderr)
        return 1
    return settings, course


def run(args: argparse.Namespace) -> int:
    """Seed the database named by the settings and print what was created."""
    if args.learners < 1 or args.weeks < 1 or args.bulk_answers < 0:
        print("error: --learners and --weeks must be at least 1", file=sys.stderr)
        return 2
    opened = _settings_and_course()
    if isinstance(opened, int):
        return opened
    settings, course = opened
    engine = open_database(settings)
    try:
        if args.bulk_answers:
            report = seed_bulk(
                engine,
                course,
                learners=args.learners,
                answers=args.bulk_answers,
                seed=args.seed,
                weeks=args.weeks,
            )
        else:
            report = seed_demo(engine, course, learners=args.learners, seed=args.seed, weeks=args.weeks)
    finally:
        close_database(engine)
    print(describe(report))
    return 0


def run_rehearsal(args: argparse.Namespace) -> int:
    """Rehearse a demo learner's track and say what is left."""
    opened = _settings_and_course()
    if isinstance(opened, int):
        return opened
    settings, course = opened
    engine = open_database(settings)
    try:
        done = rehearse_track(engine, settings, course, args.email.strip().lower(), args.track,
                              leave_last=not args.finish)
    except RehearsalRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        close_database(engine)
    print(f"read {done.sections} sections, passed {done.quizzes} quizzes, played {done.runs} scenarios")
    if done.left_in is not None:
        print(f"left: the last section of module {done.left_in}; open it in the app and press Finish reading")
    return 0
