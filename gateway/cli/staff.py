"""`frontdesk staff add|list|deactivate|activate|name|password|two-factor-off`: console accounts;
`new-secrets-key` and `seal-secrets` for the key the two-factor secrets are encrypted with.

The password is prompted (twice) on a terminal, or read from the first line of standard input
when that is not a terminal (scripts: `echo "$PW" | frontdesk staff add a@b.org --role staff`).
"""

from __future__ import annotations

import sys

import typer

from gateway.cli.common import fail, run, settings_or_exit


def _read_password() -> str:
    if sys.stdin.isatty():
        return typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def register(app: typer.Typer) -> None:
    staff_app = typer.Typer(help="Staff accounts for the console.", no_args_is_help=True)

    async def _with_accounts(action):
        from gateway.console.accounts import StaffAccounts
        from gateway.store.audit import SYSTEM_CHAIN, AuditLog
        from gateway.store.db import Database

        settings = settings_or_exit()
        db = Database(settings.database_url)
        audit = AuditLog(db)
        try:
            await db.ping()
            return await action(StaffAccounts(db), audit, SYSTEM_CHAIN)
        finally:
            await audit.close()
            await db.close()

    @staff_app.command("add")
    def add(
        email: str = typer.Argument(..., help="The staff member's e-mail (their login)."),
        role: str = typer.Option(..., "--role", "-r", help="admin | staff | auditor"),
        name: str = typer.Option(
            "", "--name", "-n", help='Display name chat visitors see ("Maria" from the clinic).'
        ),
    ) -> None:
        """Create an account; the password is prompted, or read from stdin when it is not a terminal."""
        from gateway.console.accounts import (
            AccountError,
            check_name,
            check_password,
            check_role,
            normalise_email,
        )
        from gateway.store.db import DatabaseUnavailable

        try:  # check what we can before asking for a password
            email = normalise_email(email)
            check_role(role)
            check_name(name)
            password = _read_password()
            check_password(password)
        except AccountError as exc:
            raise fail(str(exc), 2) from None

        async def go(accounts, audit, chain):
            user = await accounts.add(email, role, password, name)
            await audit.append(
                chain,
                "staff.action",
                "system",
                {"action": "account_added", "account": user.email, "account_role": user.role, "via": "cli"},
            )
            return user

        try:
            user = run(_with_accounts(go))
        except AccountError as exc:
            raise fail(str(exc), 2) from None
        except DatabaseUnavailable as exc:
            raise fail(str(exc)) from None
        named = f", {user.name}" if user.name else ""
        typer.echo(f"added {user.email} ({user.role}{named})")

    @staff_app.command("list")
    def list_() -> None:
        """Show every account: e-mail, role, state."""
        from datetime import UTC, datetime

        from gateway.store.db import DatabaseUnavailable

        async def go(accounts, audit, chain):
            return await accounts.list()

        try:
            rows = run(_with_accounts(go))
        except DatabaseUnavailable as exc:
            raise fail(str(exc)) from None
        if not rows:
            typer.echo("no staff accounts; add one with: frontdesk staff add EMAIL --role admin")
            return
        now = datetime.now(UTC)
        for user, active, locked_until in rows:
            state = "inactive" if not active else "active"
            if active and locked_until is not None and locked_until > now:
                state = f"locked until {locked_until.isoformat(timespec='minutes')}"
            typer.echo(f"{user.email}\t{user.role}\t{state}\t{user.name or ''}")

    def _set_active(email: str, active: bool) -> None:
        from gateway.console.accounts import AccountError
        from gateway.store.db import DatabaseUnavailable

        async def go(accounts, audit, chain):
            await accounts.set_active(email, active)
            action = "account_activated" if active else "account_deactivated"
            await audit.append(
                chain,
                "staff.action",
                "system",
                {"action": action, "account": email.strip().lower(), "via": "cli"},
            )

        try:
            run(_with_accounts(go))
        except AccountError as exc:
            raise fail(str(exc), 2) from None
        except DatabaseUnavailable as exc:
            raise fail(str(exc)) from None
        typer.echo(f"{email.strip().lower()} {'activated' if active else 'deactivated'}")

    @staff_app.command("deactivate")
    def deactivate(email: str = typer.Argument(...)) -> None:
        """Stop an account from logging in (its sessions end at their next request)."""
        _set_active(email, False)

    @staff_app.command("activate")
    def activate(email: str = typer.Argument(...)) -> None:
        """Allow a deactivated account to log in again."""
        _set_active(email, True)

    def _change(email: str, change, action: str, done: str) -> None:
        """One account change from the command line, audited on the system chain as `via: cli`."""
        from gateway.console.accounts import AccountError, normalise_email
        from gateway.store.db import DatabaseUnavailable

        try:
            account = normalise_email(email)
        except AccountError as exc:
            raise fail(str(exc), 2) from None

        async def go(accounts, audit, chain):
            await change(accounts, account)
            await audit.append(
                chain, "staff.action", "system", {"action": action, "account": account, "via": "cli"}
            )

        try:
            run(_with_accounts(go))
        except AccountError as exc:
            raise fail(str(exc), 2) from None
        except DatabaseUnavailable as exc:
            raise fail(str(exc)) from None
        typer.echo(f"{account}: {done}")

    @staff_app.command("name")
    def name(
        email: str = typer.Argument(...),
        display_name: str = typer.Argument("", help="Empty: no display name."),
    ) -> None:
        """Set the display name chat visitors see ("Maria from <business>")."""

        async def change(accounts, account):
            await accounts.set_name(account, display_name)

        _change(email, change, "display_name_set", f"display name {display_name.strip() or '(none)'}")

    @staff_app.command("password")
    def password(email: str = typer.Argument(...)) -> None:
        """Set a new password (prompted, or the first line of stdin); the account's sessions end."""
        from gateway.console.accounts import AccountError, check_password

        try:
            new = check_password(_read_password())
        except AccountError as exc:
            raise fail(str(exc), 2) from None

        async def change(accounts, account):
            await accounts.set_password(account, new)

        _change(email, change, "password_reset", "new password set; its sessions ended")

    @staff_app.command("two-factor-off")
    def two_factor_off(email: str = typer.Argument(...)) -> None:
        """Turn two-factor off for a lost phone (the person sets it up again at next login)."""
        from gateway.console.two_factor import TwoFactor

        async def change(accounts, account):
            await TwoFactor(accounts.db).turn_off(account)

        _change(email, change, "two_factor_reset", "two-factor off")

    @staff_app.command("new-secrets-key")
    def new_secrets_key() -> None:
        """Print a new key for FRONTDESK_SECRETS_KEY (the TOTP secrets are encrypted with it). To
        rotate: put the new key first, the old one after a comma, run `seal-secrets`, drop the old."""
        from gateway.console.secret_box import new_key

        typer.echo(new_key())

    @staff_app.command("seal-secrets")
    def seal_secrets() -> None:
        """Encrypt every TOTP secret under the newest key of FRONTDESK_SECRETS_KEY: those stored in
        clear by an older release, and those under an older key (before that key is dropped)."""
        from gateway.console.secret_box import SecretsKeyError, box_for
        from gateway.console.two_factor import seal_stored_secrets
        from gateway.store.db import DatabaseUnavailable

        box = box_for(settings_or_exit())

        async def go(accounts, audit, chain):
            count = await seal_stored_secrets(accounts.db, box)
            if count.sealed:
                await audit.append(
                    chain,
                    "staff.action",
                    "system",
                    {"action": "two_factor_secrets_sealed", "count": count.sealed, "via": "cli"},
                )
            return count

        try:
            count = run(_with_accounts(go))
        except SecretsKeyError as exc:
            raise fail(str(exc), 2) from None
        except DatabaseUnavailable as exc:
            raise fail(str(exc)) from None
        typer.echo(
            f"{count.sealed} sealed now, {count.current} already under the newest key, "
            f"{count.unreadable} no configured key opens"
        )
        if count.unreadable:
            raise fail(
                "some secrets open with no key in FRONTDESK_SECRETS_KEY: add the key they were sealed with"
            )

    app.add_typer(staff_app, name="staff")
