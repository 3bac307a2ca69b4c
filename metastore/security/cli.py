"""``metahive user add/remove/list``: manage the users file for SASL PLAIN authentication."""

from __future__ import annotations

import json
import sys

import click
from rich.console import Console
from rich.table import Table

from metastore.security.users import ROLES, UsersFile, UsersFileError

console = Console(stderr=True)
USERS_FILE_HELP = "The users file (JSON, mode 0600) that `metahive serve --auth sasl --users-file` reads."


@click.group()
def user() -> None:
    """Users and roles for authenticated (SASL PLAIN) serving."""


def _fail(error: Exception) -> None:
    console.print(f"[red]error:[/red] {error}")
    sys.exit(2)


@user.command("add")
@click.argument("name")
@click.option("--users-file", required=True, help=USERS_FILE_HELP)
@click.option("--role", type=click.Choice(ROLES), required=True,
              help="admin: everything; writer: writes the --database list, reads all; reader: read-only.")
@click.option("--database", "databases", multiple=True, help="A database a writer may change (repeatable).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
def add(name: str, users_file: str, role: str, databases: tuple[str, ...], password_stdin: bool) -> None:
    """Add or replace user NAME (the password is prompted for, never taken as an argument)."""
    try:
        users = UsersFile(users_file)
        if password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = click.prompt("password", hide_input=True, confirmation_prompt=True)
        replaced = name in users.users
        users.add(name, password, role, databases)
        users.save()
    except UsersFileError as e:
        _fail(e)
        return
    scope = f" on {', '.join(databases)}" if databases else ""
    console.print(f"{'replaced' if replaced else 'added'} user {name}: {role}{scope}")


@user.command("remove")
@click.argument("name")
@click.option("--users-file", required=True, help=USERS_FILE_HELP)
def remove(name: str, users_file: str) -> None:
    """Remove user NAME."""
    try:
        users = UsersFile(users_file)
        users.remove(name)
        users.save()
    except UsersFileError as e:
        _fail(e)
        return
    console.print(f"removed user {name}")


@user.command("list")
@click.option("--users-file", required=True, help=USERS_FILE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (never includes hashes).")
def list_users(users_file: str, as_json: bool) -> None:
    """List users and their roles (password hashes are never shown)."""
    try:
        users = UsersFile(users_file)
    except UsersFileError as e:
        _fail(e)
        return
    rows = [{"name": u.name, "role": u.role, "databases": list(u.databases)} for u in users.users.values()]
    if as_json:
        click.echo(json.dumps(rows))
        return
    table = Table("user", "role", "databases")
    for row in rows:
        table.add_row(row["name"], row["role"], ", ".join(row["databases"]))
    Console().print(table)
