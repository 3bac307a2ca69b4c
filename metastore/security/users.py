"""The users file: salted scrypt password hashes and a role per user, managed by ``metahive user``.

A JSON document ``{"users": {name: {"hash": ..., "role": ..., "databases": [...]}}}`` written
atomically with mode 0600. Roles: ``admin`` (everything), ``writer`` (reads everything, writes
only the listed databases), ``reader`` (read-only). Passwords are never stored or logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROLES = ("admin", "writer", "reader")
_N, _R, _P = 2**14, 8, 1  # scrypt cost: ~15 ms and 16 MB per check


class UsersFileError(ValueError):
    """The users file or a user definition is invalid; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: str
    databases: tuple[str, ...] = ()
    password_hash: str = field(default="", repr=False)

    def to_json(self) -> dict[str, object]:
        return {"hash": self.password_hash, "role": self.role, "databases": list(self.databases)}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                                dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


class UsersFile:
    """Load, edit and save the users file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.users: dict[str, User] = {}
        if self.path.exists():
            self._load()

    def _load(self) -> None:
        try:
            doc = json.loads(self.path.read_text())
            entries = doc["users"]
            for name, entry in entries.items():
                self.users[name] = User(name, entry["role"], tuple(entry.get("databases", ())), entry["hash"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
            raise UsersFileError(
                f"cannot read users file {self.path}: {type(e).__name__}: {e}; "
                "recreate it with `metahive user add`") from None
        for user in self.users.values():
            _validate(user.name, user.role, user.databases)

    def add(self, name: str, password: str, role: str, databases: tuple[str, ...] = ()) -> User:
        _validate(name, role, databases)
        if not password:
            raise UsersFileError("the password must not be empty")
        user = User(name, role, tuple(d.lower() for d in databases), hash_password(password))
        self.users[name] = user
        return user

    def remove(self, name: str) -> None:
        if name not in self.users:
            raise UsersFileError(f"no user {name!r} in {self.path}")
        del self.users[name]

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        doc = {"users": {name: user.to_json() for name, user in sorted(self.users.items())}}
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".users-")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w") as fh:
                json.dump(doc, fh, indent=2)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def verify(self, name: str, password: str) -> bool:
        user = self.users.get(name)
        if user is None:
            check_password(password, _DUMMY_HASH)  # same cost whether or not the user exists
            return False
        return check_password(password, user.password_hash)


def _validate(name: str, role: str, databases: tuple[str, ...]) -> None:
    if not name or any(c in name for c in "\x00:\n") or name != name.strip():
        raise UsersFileError(f"invalid user name {name!r}: use a non-empty name without NUL, ':' or newlines")
    if role not in ROLES:
        raise UsersFileError(f"unknown role {role!r} for user {name}: use one of {', '.join(ROLES)}")
    if role == "writer" and not databases:
        raise UsersFileError(f"writer {name} needs at least one database (--database NAME)")
    if role != "writer" and databases:
        raise UsersFileError(f"only writers are limited to databases; {role} {name} may not list any")


_DUMMY_HASH = hash_password(secrets.token_hex(8))
