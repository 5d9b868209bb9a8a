"""``python -m access``: accounts, the audit and API keys from the command line."""

import os
import pty
import subprocess
import sys
import time

import pytest

from access.accounts import Accounts
from access.audit import Audit, Read
from decisions.database import open_store
from load_tests.servers import PROJECT_ROOT
from serving.middleware import api_key_digest
from tests.conftest import OFFLINE


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'store.sqlite3'}"


def run(url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**OFFLINE, "PATH": os.environ["PATH"], "CREDIT_SCORING_DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "access", *args], cwd=PROJECT_ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120, check=False)


def test_add_reads_the_password_from_stdin_and_never_prints_it(url):
    done = run(url, "add", "ana", "--role", "advisor", "--password-stdin", stdin="a long password here\n")
    assert done.returncode == 0 and "account ana created, role advisor" in done.stdout
    assert "a long password here" not in done.stdout + done.stderr
    assert Accounts(open_store(url)).check("ana", "a long password here") is not None


def test_add_asks_for_the_password_twice_without_echo(url):
    pid, terminal = pty.fork()
    if pid == 0:  # the child: the command, on a terminal of its own
        os.chdir(PROJECT_ROOT)
        os.execve(sys.executable, [sys.executable, "-m", "access", "add", "rita", "--role", "risk"],
                  {**OFFLINE, "PATH": os.environ["PATH"], "CREDIT_SCORING_DATABASE_URL": url})
    shown = b""
    for _ in range(2):
        while not shown.rstrip().endswith(b":"):
            shown += os.read(terminal, 1024)
        os.write(terminal, b"typed on the terminal\n")
        time.sleep(0.2)
        shown += os.read(terminal, 1024)
    while True:
        try:
            chunk = os.read(terminal, 1024)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, shown
    assert b"Password: " in shown and b"Password again: " in shown and b"typed on the terminal" not in shown
    assert Accounts(open_store(url)).check("rita", "typed on the terminal") is not None


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (("add", "ana", "--role", "advisor", "--password-stdin"), "short\n", "at least 12 characters"),
    (("add", "Ana", "--role", "advisor", "--password-stdin"), "a long password here\n", "lower-case letters"),
    (("disable", "nobody"), "", "there is no account named 'nobody'"),
    (("audit", "--client", "abc"), "", "must be a whole number"),
    (("add", "ana", "--role", "boss"), "", "invalid choice: 'boss'"),
])
def test_a_bad_command_gets_one_line_and_exit_2(url, args, stdin, message):
    done = run(url, *args, stdin=stdin)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_list_and_disable(url):
    run(url, "add", "zoe", "--role", "admin", "--password-stdin", stdin="a long password here\n")
    run(url, "add", "ana", "--role", "advisor", "--password-stdin", stdin="a long password here\n")
    assert run(url, "disable", "zoe").returncode == 0
    lines = [line.split("\t")[:3] for line in run(url, "list").stdout.splitlines()]
    assert lines == [["ana", "advisor", "active"], ["zoe", "admin", "disabled"]]


def test_audit_lists_the_reads_of_a_client_or_by_a_reader(url):
    audit = Audit(open_store(url))
    audit.record(Read("ana", "advisor", 100002, "ui:lookup", "decision"))
    audit.record(Read("partner", "api-key", 100002, "api:decision", "record"))
    audit.record(Read("ana", "advisor", 100003, "ui:lookup", "decision"))
    by_client = run(url, "audit", "--client", "100002").stdout.splitlines()
    assert [line.split("\t")[1] for line in by_client] == ["partner (api-key)", "ana (advisor)"]
    by_reader = run(url, "audit", "--user", "ana").stdout.splitlines()
    assert [line.split("\t")[2] for line in by_reader] == ["SK_ID_CURR 100003", "SK_ID_CURR 100002"]


def test_key_prints_a_new_key_once_and_the_line_that_enables_it(url):
    lines = run(url, "key", "partner-bank").stdout.splitlines()
    key, enabling = lines[1], lines[3]
    assert enabling == f"partner-bank:{api_key_digest(key)}" and len(key) >= 40


def test_demo_makes_the_demo_account_with_a_new_password_each_time(url):
    first, second = (run(url, "demo").stdout for _ in range(2))
    passwords = [text.split("with the password ")[1].split()[0] for text in (first, second)]
    assert passwords[0] != passwords[1]
    accounts = Accounts(open_store(url))
    assert accounts.check("demo", passwords[0]) is None and accounts.check("demo", passwords[1]) is not None
