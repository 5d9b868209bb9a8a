"""``python -m access``: advisor accounts, the audit of who read which client, and API keys.

The accounts live in the decision store's database (``CREDIT_SCORING_DATABASE_URL``).

Examples
--------
::

    python -m access add ana --role advisor              # asks for the password twice, not echoed
    echo "$PASSWORD" | python -m access add ana --role risk --password-stdin
    python -m access disable ana
    python -m access list
    python -m access audit --client 100002               # who read this client, newest first
    python -m access audit --user ana                    # what ana read
    python -m access key partner-bank                    # a new API key, and the line that enables it
    python -m access demo                                # the demo account, with a new password
"""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys

from settings import load_settings

__all__ = ["main"]

USAGE = 2
#: The account `make demo` creates, with a password generated at each start.
DEMO_ACCOUNT = "demo"


def _parse(argv: list[str] | None) -> argparse.Namespace:
    from access.accounts import Role

    parser = argparse.ArgumentParser(prog="python -m access", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="create an account")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from standard input instead of asking for it")
    password = commands.add_parser("password", help="give an account a new password (and enable it)")
    password.add_argument("name")
    password.add_argument("--password-stdin", action="store_true")
    commands.add_parser("disable", help="disable an account").add_argument("name")
    commands.add_parser("list", help="list the accounts")
    audit = commands.add_parser("audit", help="list who read which client's data, newest first")
    who = audit.add_mutually_exclusive_group(required=True)
    who.add_argument("--client", type=_client_id, metavar="SK_ID_CURR", help="the reads of one client")
    who.add_argument("--user", metavar="NAME", help="the reads by one advisor or API key")
    audit.add_argument("--limit", type=_positive, default=100, help="entries shown at most")
    commands.add_parser("key", help="make a new API key").add_argument("name")
    commands.add_parser("demo", help=f"create the '{DEMO_ACCOUNT}' account (role risk), or give it a new "
                                     "password; prints the password once")
    return parser.parse_args(argv)


def _client_id(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}")
    return int(text)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}")
    return int(text)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise ValueError("the two passwords differ")
    return first


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the exit status (2 for a usage error or a store that cannot be opened)."""
    args = _parse(argv)
    if args.command == "key":
        from serving.middleware import api_key_digest

        key = secrets.token_urlsafe(32)
        print(f"API key for {args.name} (shown once; give it to the client):\n{key}\n"
              f"Add this to CREDIT_SCORING_API_KEYS (comma-separated) to enable it:\n"
              f"{args.name}:{api_key_digest(key)}")
        return 0
    from access.accounts import Accounts
    from access.audit import Audit
    from decisions.database import StoreUnavailableError, open_store

    try:
        engine = open_store(load_settings().database_url)
        accounts = Accounts(engine)
        if args.command == "add":
            account = accounts.add(args.name, role=args.role, password=_password(args.password_stdin))
            print(f"account {account.user_name} created, role {account.role}")
        elif args.command == "password":
            accounts.set_password(args.name, _password(args.password_stdin))
            print(f"account {args.name}: new password set")
        elif args.command == "disable":
            accounts.disable(args.name)
            print(f"account {args.name} disabled")
        elif args.command == "list":
            for account in accounts.all():
                state = "disabled" if account.disabled else "active"
                print(f"{account.user_name}\t{account.role}\t{state}\tcreated {account.created_at:%Y-%m-%d}")
        elif args.command == "audit":
            for entry in Audit(engine).entries(sk_id_curr=args.client, reader=args.user, limit=args.limit):
                print(f"{entry.read_at:%Y-%m-%d %H:%M:%S}Z\t{entry.reader} ({entry.reader_kind})\t"
                      f"SK_ID_CURR {entry.sk_id_curr}\t{entry.action}\t{entry.shown}")
        else:
            _demo(accounts)
    except (ValueError, StoreUnavailableError) as error:  # an AccountError is a ValueError
        print(f"error: {error}", file=sys.stderr)
        return USAGE
    return 0


def _demo(accounts) -> None:
    password = secrets.token_urlsafe(12)
    if accounts.get(DEMO_ACCOUNT) is None:
        accounts.add(DEMO_ACCOUNT, role="risk", password=password)
    else:
        accounts.set_password(DEMO_ACCOUNT, password)
    print(f"Sign in to the advisor page as '{DEMO_ACCOUNT}' with the password {password} "
          "(generated now, shown once)")


if __name__ == "__main__":
    sys.exit(main())
