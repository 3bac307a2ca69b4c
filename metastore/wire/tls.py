"""TLS for the Thrift port (Hive's ``hive.metastore.use.SSL``): a server context from PEM files."""

from __future__ import annotations

import ssl
from pathlib import Path


class TlsConfigError(ValueError):
    """The certificate or key cannot be used; the message says which file and why."""


def server_context(cert_file: str | Path, key_file: str | Path) -> ssl.SSLContext:
    """A TLS 1.2+ server context for a PEM certificate (chain) and its private key."""
    for label, path in (("certificate", cert_file), ("key", key_file)):
        if not Path(path).is_file():
            raise TlsConfigError(f"TLS {label} file {path} does not exist")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(str(cert_file), str(key_file))
    except ssl.SSLError as e:
        raise TlsConfigError(
            f"cannot load TLS certificate {cert_file} with key {key_file}: {e.reason or e}; "
            "both must be PEM files and the key must match the certificate") from None
    return context
