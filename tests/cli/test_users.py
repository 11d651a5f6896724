"""`python -m course users ...` through main(argv)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from course.cli import main

Capture = pytest.CaptureFixture[str]


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("NTS_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def run(argv: list[str], capsys: Capture, *, stdin: str = "") -> tuple[int, str, str]:
    import sys

    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = main(argv)
    finally:
        sys.stdin = old
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_set_role_disable(capsys: Capture) -> None:
    code, out, _ = run(
        [
            "users",
            "add",
            "Ada@Example.org",
            "--name",
            "Ada Lovelace",
            "--department",
            "legal",
            "--tracks",
            "legal; leadership",
            "--capabilities",
            "learner; leader:legal",
            "--passphrase-stdin",
        ],
        capsys,
        stdin="analytical engine notes\n",
    )
    assert (code, out) == (0, "added ada@example.org\n")
    assert run(["users", "set-role", "ada@example.org", "admin"], capsys)[1] == ("ada@example.org: admin\n")
    assert run(["users", "disable", "ada@example.org"], capsys)[:2] == (
        0,
        "disabled ada@example.org\n",
    )
    code, out, _ = run(["users", "list"], capsys)
    assert out == "ada@example.org\tAda Lovelace\tlegal\tlegal;leadership\t-\tadmin\tdisabled\n"
    assert run(["users", "enable", "ada@example.org"], capsys)[1] == "enabled ada@example.org\n"


def test_add_without_passphrase_and_errors(capsys: Capture) -> None:
    code, out, _ = run(["users", "add", "bo@example.org", "--name", "Bo"], capsys)
    assert "no passphrase yet" in out
    code, _, err = run(["users", "add", "bo@example.org", "--name", "Bo"], capsys)
    assert (code, err) == (1, "error: bo@example.org already exists\n")
    code, _, err = run(["users", "set-role", "bo@example.org", "boss"], capsys)
    assert code == 1 and "unknown capability 'boss'" in err
    code, _, err = run(["users", "disable", "nobody@example.org"], capsys)
    assert (code, err) == (1, "error: no person with email nobody@example.org\n")
    code, _, err = run(["users", "set-passphrase", "bo@example.org"], capsys, stdin="short\n")
    assert code == 1 and "at least 12" in err
    assert run(["users", "set-passphrase", "bo@example.org"], capsys, stdin="long enough now\n")[0] == 0


def test_export_and_erase(capsys: Capture, tmp_path: Path) -> None:
    run(["users", "add", "cy@example.org", "--name", "Cy"], capsys)
    code, out, _ = run(["users", "export", "cy@example.org"], capsys)
    data = json.loads(out)
    assert code == 0 and data["found"] and data["tables"]["person"][0]["name"] == "Cy"
    target = tmp_path / "cy.json"
    assert run(["users", "export", "cy@example.org", "--output", str(target)], capsys)[0] == 0
    assert json.loads(target.read_text())["email"] == "cy@example.org"
    assert run(["users", "erase", "cy@example.org"], capsys)[1] == "erased cy@example.org\n"
    assert run(["users", "erase", "cy@example.org"], capsys)[:2] == (
        0,
        "nothing held about cy@example.org; nothing to erase\n",
    )
    code, out, err = run(["users", "export", "cy@example.org"], capsys)
    assert json.loads(out)["found"] is False and "nobody with email" in err


def test_roster_import_dry_run_then_apply(capsys: Capture, tmp_path: Path) -> None:
    csv_file = tmp_path / "hr.csv"
    csv_file.write_text(
        "email,name,department,tracks,manager,capabilities\n"
        "dee@example.org,Dee,legal,legal,,learner; leader:legal\n"
        "eli@example.org,Eli,legal,legal,dee@example.org,learner\n",
        encoding="utf-8",
    )
    code, out, _ = run(["users", "import", str(csv_file), "--dry-run"], capsys)
    assert code == 0
    assert out.splitlines() == [
        f"{csv_file}:2: add dee@example.org",
        f"{csv_file}:3: add eli@example.org",
        "2 add, 0 update, 0 unchanged (dry run, nothing applied)",
    ]
    assert run(["users", "list"], capsys)[1] == ""
    code, out, _ = run(["users", "import", str(csv_file)], capsys)
    assert out.endswith("2 add, 0 update, 0 unchanged (applied)\n")
    assert (
        "eli@example.org\tEli\tlegal\tlegal\tdee@example.org\tlearner\tactive"
        in run(["users", "list"], capsys)[1]
    )


def test_roster_import_with_bad_rows_applies_nothing(capsys: Capture, tmp_path: Path) -> None:
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text(
        "email,name,department,tracks,manager,capabilities\n"
        "ok@example.org,Ok,hr,hr,,learner\n"
        "not-an-email,Bad,hr,hr,,learner\n",
        encoding="utf-8",
    )
    code, _, err = run(["users", "import", str(csv_file)], capsys)
    assert code == 1
    assert err.splitlines() == [
        f"{csv_file}:3: error: 'not-an-email' is not an email address [roster]",
        "1 problem(s); nothing was imported",
    ]
    assert run(["users", "list"], capsys)[1] == ""
    assert run(["users", "import", str(tmp_path / "missing.csv")], capsys)[0] == 1

    code, out, err = run(["users", "import", str(csv_file), "--leave-out-problems"], capsys)
    assert code == 0 and out.endswith("1 add, 0 update, 0 unchanged (applied; 1 problem row(s) left out)\n")
    assert err.splitlines() == [f"{csv_file}:3: error: 'not-an-email' is not an email address [roster]"]
    assert "ok@example.org\tOk" in run(["users", "list"], capsys)[1]


def test_unlock_forgets_failed_sign_ins_and_is_audited(capsys: Capture) -> None:
    from course.services import accounts
    from course.services.accounts import Passwords
    from course.services.database import close_database, open_database
    from course.settings import load_settings
    from course.store import audit
    from course.store.engine import read_session

    run(["users", "add", "ada@example.org", "--name", "Ada", "--passphrase-stdin"], capsys,
        stdin="analytical engine notes\n")
    engine = open_database(load_settings())
    cheap = Passwords(memory_kib=1024, time_cost=1)
    now = datetime.now(UTC)  # one moment for every attempt: no wait can pass by itself
    try:
        for _ in range(6):
            accounts.sign_in(engine, "ada@example.org", "not the passphrase", passwords=cheap, now=now)
        assert not accounts.sign_in(engine, "ada@example.org", "analytical engine notes",
                                    passwords=cheap, now=now).ok
        code, out, err = run(["users", "unlock", "ADA@example.org"], capsys)
        assert (code, out, err) == (0, "unlocked ada@example.org: 5 recent failed sign-in(s) forgotten\n", "")
        assert accounts.sign_in(engine, "ada@example.org", "analytical engine notes", passwords=cheap,
                                now=now).ok
        with read_session(engine) as session:
            (entry,) = audit.list_events(session, kind="sign_in_unlocked")
        assert (entry.actor, entry.subject) == ("command line", "ada@example.org")
    finally:
        close_database(engine)
    code, _, err = run(["users", "unlock", "not an email"], capsys)
    assert (code, err) == (1, "error: 'not an email' is not an email address\n")


def test_a_giant_passphrase_on_stdin_is_refused(capsys: Capture) -> None:
    code, out, err = run(["users", "add", "ada@example.org", "--name", "Ada", "--passphrase-stdin"],
                         capsys, stdin="p" * 5_000_000 + "\n")
    assert (code, out) == (1, "")
    assert err == "error: passphrase refused: use at most 1024 characters\n"
    code, _, err = run(["users", "add", "a" * 300 + "@example.org", "--name", "Ada"], capsys)
    assert (code, err) == (1, "error: the email address is longer than 254 characters\n")
