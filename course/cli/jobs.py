"""`python -m course jobs run [--once]|list`: the background job runner and its state.

Start the runner on every host if you like: a lease in the database makes each job run once.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import timedelta
from types import FrameType

from course.cli.opening import open_or_report
from course.integrations.lrs import HttpLrs
from course.integrations.lti import AgsScoreSender
from course.integrations.mail import mailer_from_settings
from course.services import jobs, learning_records, logs, lti_grades, outbox
from course.services.database import close_database


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `jobs` command and its subcommands."""
    parser = subparsers.add_parser("jobs", help="background jobs (purges, and later reminders)")
    commands = parser.add_subparsers(dest="jobs_command", metavar="SUBCOMMAND")
    commands.required = True
    run = commands.add_parser("run", help="run due jobs, every 30 s until stopped (or --once)")
    run.add_argument("--once", action="store_true", help="one pass over the due jobs, then exit")
    run.add_argument("--poll", type=int, default=30, metavar="SECONDS",
                     help="seconds between passes (default: 30)")
    run.set_defaults(run=run_jobs)
    listing = commands.add_parser("list", help="show each job's holder, next run and last outcome")
    listing.set_defaults(run=list_jobs)


def run_jobs(args: argparse.Namespace) -> int:
    """Run the due jobs once (exit 1 if one failed), or keep running until SIGTERM or Ctrl-C."""
    if args.poll <= 0:
        print("error: --poll must be a number of seconds above 0", file=sys.stderr)
        return 2
    opened = open_or_report()
    if opened is None:
        return 2
    settings, engine = opened
    grades = lti_grades.grade_job(settings.lti, AgsScoreSender(settings.lti.platforms))
    configured = [*jobs.configured_jobs(settings),
                  outbox.mail_job(settings.mail, mailer_from_settings(settings.mail),
                                  content_root=settings.content_root),
                  *([grades] if grades is not None else [])]
    if settings.lrs.configured:
        configured.append(learning_records.xapi_job(HttpLrs(settings.lrs)))
    holder = jobs.new_holder()
    try:
        if args.once:
            outcomes = jobs.run_due_jobs(engine, configured, holder=holder)
            for outcome in outcomes:
                detail = f": {outcome.message}" if outcome.message else ""
                print(f"{outcome.job}: {outcome.status}{detail}")
            return 1 if any(o.status in ("failed", "lost lease") for o in outcomes) else 0
        stop = threading.Event()

        def _stop(_signum: int, _frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        # A long-running runner reports each run in the log (one line each, in NTS_LOG_FORMAT).
        logs.configure(settings)
        print(f"job runner {holder}: {', '.join(j.name for j in configured)}", flush=True)
        jobs.run_forever(engine, configured, holder=holder, stop=stop,
                         poll=timedelta(seconds=args.poll))
        return 0
    finally:
        close_database(engine)


def list_jobs(args: argparse.Namespace) -> int:
    """Print each job the database knows: holder, lease, next due time, last outcome."""
    opened = open_or_report()
    if opened is None:
        return 2
    settings, engine = opened
    try:
        for state in jobs.list_job_states(engine):
            held = f"held by {state.holder} until {state.lease_until:%Y-%m-%d %H:%M:%S}" if (
                state.holder and state.lease_until) else "free"
            last = f"{state.last_outcome}: {state.last_message}" if state.last_outcome else "never run"
            print(f"{state.name}\t{held}\tnext due {state.next_due_at:%Y-%m-%d %H:%M:%S}"
                  f"\truns {state.runs}\t{last}")
        if settings.lti.enabled:
            scores = lti_grades.score_counts(engine)
            print(f"LMS scores: {scores.pending} waiting, {scores.sent} sent, {scores.failed} given up")
        return 0
    finally:
        close_database(engine)
