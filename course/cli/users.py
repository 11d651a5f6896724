"""`python -m course users ...`: accounts, roles, roster import and privacy requests.

The command line acts as the operator of the server: it needs no sign-in, and the audit log
records its changes as made by "command line".
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from course.cli.opening import open_or_report
from course.domain.accounts import (
    MAX_PASSPHRASE_CHARS,
    AccountRuleError,
    PersonInfo,
    normalise_email,
    parse_capabilities,
    parse_list,
    render_capabilities,
)
from course.services import accounts, invitations, privacy, roster
from course.services.accounts import AccountError, Passwords
from course.services.database import Engine, close_database
from course.settings import load_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `users` command and its subcommands."""
    parser = subparsers.add_parser("users", help="accounts, roles, roster import, privacy")
    commands = parser.add_subparsers(dest="users_command", metavar="SUBCOMMAND")
    commands.required = True

    add = commands.add_parser("add", help="create an account")
    add.add_argument("email")
    add.add_argument("--name", required=True)
    add.add_argument("--department", default="")
    add.add_argument("--tracks", default="", help='role ids of the course, e.g. "board; finance"')
    add.add_argument("--capabilities", default="learner", help='e.g. "learner; leader:finance"')
    add.add_argument(
        "--passphrase-stdin", action="store_true", help="read the passphrase from standard input"
    )
    add.set_defaults(run=_command(_add))

    passphrase = commands.add_parser("set-passphrase", help="set a passphrase (from stdin)")
    passphrase.add_argument("email")
    passphrase.set_defaults(run=_command(_set_passphrase))

    disable = commands.add_parser("disable", help="disable an account and end its sessions")
    disable.add_argument("email")
    disable.set_defaults(run=_command(_disable))

    enable = commands.add_parser("enable", help="enable a disabled account")
    enable.add_argument("email")
    enable.set_defaults(run=_command(_enable))

    unlock = commands.add_parser(
        "unlock", help="forget an account's failed sign-ins, so it need not wait (audited)"
    )
    unlock.add_argument("email")
    unlock.set_defaults(run=_command(_unlock))

    role = commands.add_parser("set-role", help="replace a person's capabilities")
    role.add_argument("email")
    role.add_argument("capabilities", help='e.g. "learner; leader:finance|sales"')
    role.set_defaults(run=_command(_set_role))

    listing = commands.add_parser("list", help="list every person")
    listing.set_defaults(run=_command(_list))

    export = commands.add_parser("export", help="write everything held about a person as JSON")
    export.add_argument("email")
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")
    export.set_defaults(run=_command(_export))

    erase = commands.add_parser("erase", help="remove everything held about a person")
    erase.add_argument("email")
    erase.set_defaults(run=_command(_erase))

    token = commands.add_parser("setup-token", help="issue a new first-run setup token (replaces any)")
    token.set_defaults(run=_command(_setup_token))

    imports = commands.add_parser("import", help="import a roster CSV from the personnel system")
    imports.add_argument("csv", type=Path)
    imports.add_argument("--dry-run", action="store_true", help="show the changes, apply none")
    imports.add_argument("--invite", action="store_true", help="invite the people the import adds")
    imports.add_argument("--leave-out-problems", action="store_true",
                         help="apply the good rows and leave out the rows with problems (listed on stderr)")
    imports.set_defaults(run=_command(_import))

    invite = commands.add_parser("invite", help="send people a one-time link to choose a passphrase")
    invite.add_argument("emails", nargs="*", metavar="EMAIL")
    invite.add_argument("--file", type=Path, help="a file of emails, one per line")
    invite.set_defaults(run=_command(_invite))


Handler = Callable[[Engine, argparse.Namespace], int]


def _command(handler: Handler) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        opened = open_or_report()
        if opened is None:
            return 2
        _, engine = opened
        try:
            return handler(engine, args)
        except (AccountError, AccountRuleError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        finally:
            close_database(engine)

    return run


def _read_passphrase() -> str:
    # Read at most a little over the limit: a giant line is refused without being held whole.
    return sys.stdin.readline(MAX_PASSPHRASE_CHARS + 3).rstrip("\r\n")


def _add(engine: Engine, args: argparse.Namespace) -> int:
    passphrase = _read_passphrase() if args.passphrase_stdin else None
    person = accounts.add_account(
        engine,
        args.email,
        name=args.name,
        grants=parse_capabilities(args.capabilities),
        by=None,
        passwords=Passwords() if passphrase is not None else None,
        passphrase=passphrase,
        department=args.department,
        tracks=parse_list(args.tracks),
    )
    note = "" if person.has_passphrase else " (no passphrase yet: use set-passphrase)"
    print(f"added {person.email}{note}")
    return 0


def _set_passphrase(engine: Engine, args: argparse.Namespace) -> int:
    accounts.set_passphrase(engine, args.email, _read_passphrase(), passwords=Passwords(), by=None)
    print(f"passphrase set for {args.email.strip().casefold()}; their sessions were ended")
    return 0


def _disable(engine: Engine, args: argparse.Namespace) -> int:
    person = accounts.set_active(engine, args.email, active=False, by=None)
    print(f"disabled {person.email}")
    return 0


def _enable(engine: Engine, args: argparse.Namespace) -> int:
    person = accounts.set_active(engine, args.email, active=True, by=None)
    print(f"enabled {person.email}")
    return 0


def _unlock(engine: Engine, args: argparse.Namespace) -> int:
    cleared = accounts.unlock_account(engine, args.email, by=None)
    email = normalise_email(args.email)
    print(f"unlocked {email}: {cleared} recent failed sign-in(s) forgotten")
    return 0


def _set_role(engine: Engine, args: argparse.Namespace) -> int:
    person = accounts.set_capabilities(
        engine, args.email, grants=parse_capabilities(args.capabilities), by=None
    )
    print(f"{person.email}: {_capabilities(person)}")
    return 0


def _capabilities(person: PersonInfo) -> str:
    return render_capabilities(person.grants)


def _list(engine: Engine, args: argparse.Namespace) -> int:
    for person in accounts.list_accounts(engine, by=None):
        state = "active" if person.active else "disabled"
        fields = [
            person.email,
            person.name,
            person.department or "-",
            ";".join(person.tracks) or "-",
            person.manager_email or "-",
            _capabilities(person) or "-",
            state,
        ]
        print("\t".join(fields))
    return 0


def _export(engine: Engine, args: argparse.Namespace) -> int:
    export = privacy.export_person(engine, args.email, by=None)
    text = privacy.render_export(export)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    if not export["found"]:
        print(f"note: nobody with email {export['email']} is known", file=sys.stderr)
    return 0


def _erase(engine: Engine, args: argparse.Namespace) -> int:
    found = privacy.erase_person(engine, args.email, by=None)
    email = args.email.strip().casefold()
    print(f"erased {email}" if found else f"nothing held about {email}; nothing to erase")
    return 0


def _setup_token(engine: Engine, args: argparse.Namespace) -> int:
    token = accounts.issue_setup_token(engine)
    if token is None:
        print("error: an account exists already; first-run setup is over", file=sys.stderr)
        return 1
    print(f"first-run setup token (replaces any earlier one): {token}")
    return 0


def _import(engine: Engine, args: argparse.Namespace) -> int:
    try:
        text = args.csv.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        print(f"error: cannot read {args.csv}: {error}", file=sys.stderr)
        return 1
    partial = args.leave_out_problems and not args.dry_run
    report = roster.import_roster(engine, text, by=None, dry_run=args.dry_run or partial)
    if partial and report.changes:  # the problem lines just reported are the ones agreed to be left out
        report = roster.import_roster(engine, text, by=None, dry_run=False,
                                      leave_out=[problem.line for problem in report.problems])
    for problem in report.problems:
        print(problem.render(str(args.csv)), file=sys.stderr)
    for change in report.changes:
        if change.kind is not roster.ChangeKind.UNCHANGED:
            detail = f" ({', '.join(change.fields)})" if change.fields else ""
            print(f"{args.csv}:{change.line}: {change.kind.value} {change.email}{detail}")
    summary = ", ".join(f"{count} {kind}" for kind, count in report.counts.items())
    if report.problems and not report.applied:
        print(f"{len(report.problems)} problem(s); nothing was imported", file=sys.stderr)
        return 1
    verb = "applied" if report.applied else "dry run, nothing applied"
    if report.left_out:
        verb += f"; {report.left_out} problem row(s) left out"
    print(f"{summary} ({verb})")
    added = [c.email for c in report.changes if c.kind is roster.ChangeKind.ADD]
    if args.invite and report.applied and added:
        settings = load_settings()
        return _print_invitations(invitations.invite_people(
            engine, added, by=None, mail=settings.mail, local_passphrases=settings.local_passphrases))
    return 0


def _invite(engine: Engine, args: argparse.Namespace) -> int:
    emails = list(args.emails)
    if args.file is not None:
        try:
            lines = args.file.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            print(f"error: cannot read {args.file}: {error}", file=sys.stderr)
            return 1
        emails += [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not emails:
        print("error: name at least one email, or --file", file=sys.stderr)
        return 2
    settings = load_settings()
    return _print_invitations(invitations.invite_people(engine, emails, by=None, mail=settings.mail,
                                                        local_passphrases=settings.local_passphrases))


def _print_invitations(report: invitations.InviteReport) -> int:
    for problem in report.problems:
        print(f"error: {problem}", file=sys.stderr)
    if report.problems:
        print("nobody was invited", file=sys.stderr)
        return 1
    for shown in report.shown:  # no SMTP: this terminal is the server console
        print(f"{shown.email}\t{shown.link}")
    if report.shown:
        print(f"invited {_people(len(report.invited))}; no SMTP server is configured, so hand each "
              "link over yourself")
    else:
        print(f"invited {_people(len(report.invited))}; {report.queued} email(s) queued "
              "(send them with: python -m course mail send)")
    return 0


def _people(count: int) -> str:
    return "1 person" if count == 1 else f"{count} people"
