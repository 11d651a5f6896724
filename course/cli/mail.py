"""`python -m course mail ...`: send the queued emails, and show what waits or failed."""

from __future__ import annotations

import argparse
import sys

from course.cli.opening import open_or_report
from course.integrations.mail import mailer_from_settings
from course.services import invitations, outbox
from course.services.database import close_database


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `mail` command and its subcommands."""
    parser = subparsers.add_parser("mail", help="send queued email (invitations, resets)")
    commands = parser.add_subparsers(dest="mail_command", metavar="SUBCOMMAND")
    commands.required = True
    send = commands.add_parser("send", help="send every due email, retrying failed ones when due")
    send.add_argument("--limit", type=int, default=None, help="send at most this many")
    send.set_defaults(run=_send)
    status = commands.add_parser("status", help="count waiting, sent and failed emails")
    status.set_defaults(run=_status)


def _send(args: argparse.Namespace) -> int:
    opened = open_or_report()
    if opened is None:
        return 2
    settings, engine = opened
    try:
        report = outbox.send_outbox(engine, mailer_from_settings(settings.mail), mail=settings.mail,
                                    limit=args.limit,
                                    messages=outbox.course_messages(settings.content_root))
        invitations.purge_link_records(engine)
    finally:
        close_database(engine)
    for problem in report.errors:
        print(f"not sent: {problem}", file=sys.stderr)
    print(f"{report.sent} sent, {report.retrying} to retry later, {report.failed} given up")
    return 1 if report.retrying or report.failed else 0


def _status(args: argparse.Namespace) -> int:
    opened = open_or_report()
    if opened is None:
        return 2
    _, engine = opened
    try:
        counts, failed = outbox.mail_status(engine, by=None)
    finally:
        close_database(engine)
    print(f"{counts.waiting} waiting, {counts.sent} sent, {counts.failed} failed")
    for mail in failed:
        print(f"failed {mail.failed_at:%Y-%m-%d %H:%M} {mail.kind} to {mail.recipient} after "
              f"{mail.attempts} tries: {mail.last_error}")
    return 1 if counts.failed else 0
