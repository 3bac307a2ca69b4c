"""The ``metahive serve`` flags for transport security, authentication, limits and location roots."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from metastore.wire.limits import DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_READ_TIMEOUT

_OPTIONS = [
    click.option("--tls-cert", default=None, help="PEM certificate (chain) for TLS on the Thrift port."),
    click.option("--tls-key", default=None, help="PEM private key for --tls-cert."),
    click.option("--auth", type=click.Choice(["none", "sasl"]), default="none", show_default=True,
                 help="sasl: SASL PLAIN username/password (Hive's binary-protocol mode) against --users-file, "
                      "with role-based authorisation; none: local development only."),
    click.option("--users-file", default=None, help="Users file managed with `metahive user add/remove/list`."),
    click.option("--max-message-size", type=int, default=DEFAULT_MAX_MESSAGE_SIZE, show_default=True,
                 help="Largest request in bytes; bigger, malformed or over-nested requests close the connection."),
    click.option("--read-timeout", type=float, default=DEFAULT_READ_TIMEOUT, show_default=True,
                 help="Seconds a client may stall in the middle of a request (idle connections may wait forever)."),
    click.option("--location-root", "location_roots", multiple=True,
                 help="Allowed root for database/table/partition locations (repeatable); the warehouse is "
                      "always allowed and managed tables must stay in it. Default: unrestricted."),
    click.option("--db-wait", type=float, default=300.0, show_default=True,
                 help="Seconds to keep retrying at start-up while the catalog database is unreachable."),
]


def security_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(_OPTIONS):
        command = option(command)
    return command
