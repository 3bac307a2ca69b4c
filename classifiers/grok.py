"""Grok patterns: ``%{PATTERN:field:type}`` expanded to one regular expression.

The built-in library below is written for this project (the names are the usual grok names).
Every regex uses only syntax Python and Java share and no capturing groups of its own, so the
expansion doubles as Hive's RegexSerDe ``input.regex``: one capturing group per named field, in
order, which is how Spark and Hive read a grok-classified table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

BUILTIN_PATTERNS: dict[str, str] = {
    "USERNAME": r"[a-zA-Z0-9._-]+",
    "USER": r"%{USERNAME}",
    "INT": r"[+-]?[0-9]+",
    "POSINT": r"[1-9][0-9]*",
    "NONNEGINT": r"[0-9]+",
    "BASE10NUM": r"[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)",
    "NUMBER": r"%{BASE10NUM}",
    "BASE16NUM": r"(?:0[xX])?[0-9A-Fa-f]+",
    "WORD": r"\b\w+\b",
    "NOTSPACE": r"\S+",
    "SPACE": r"\s*",
    "DATA": r".*?",
    "GREEDYDATA": r".*",
    "QUOTEDSTRING": r"(?:\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')",
    "QS": r"%{QUOTEDSTRING}",
    "UUID": r"[A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12}",
    "MAC": r"(?:[A-Fa-f0-9]{2}[:-]){5}[A-Fa-f0-9]{2}",
    "IPV4": r"(?:(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])",
    "IPV6": r"(?:[A-Fa-f0-9]{0,4}:){2,7}[A-Fa-f0-9]{0,4}",
    "IP": r"(?:%{IPV6}|%{IPV4})",
    "HOSTNAME": r"\b[0-9A-Za-z][0-9A-Za-z-]{0,62}(?:\.[0-9A-Za-z][0-9A-Za-z-]{0,62})*\.?\b",
    "HOST": r"%{HOSTNAME}",
    "IPORHOST": r"(?:%{IP}|%{HOSTNAME})",
    "HOSTPORT": r"%{IPORHOST}:%{POSINT}",
    "UNIXPATH": r"(?:/[^/\s?#]*)+",
    "PATH": r"%{UNIXPATH}",
    "URIPROTO": r"[A-Za-z][A-Za-z0-9+.-]*",
    "URIHOST": r"%{IPORHOST}(?::%{POSINT})?",
    "URIPATH": r"(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_/-]*)+",
    "URIPARAM": r"\?[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\[\]-]*",
    "URIPATHPARAM": r"%{URIPATH}(?:%{URIPARAM})?",
    "URI": r"%{URIPROTO}://(?:%{USER}(?::[^@]*)?@)?%{URIHOST}?(?:%{URIPATHPARAM})?",
    "MONTH": r"\b(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
             r"Sep(?:tember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b",
    "MONTHNUM": r"(?:0?[1-9]|1[0-2])",
    "MONTHDAY": r"(?:0[1-9]|[12][0-9]|3[01]|[1-9])",
    "DAY": r"(?:Mon(?:day)?|Tue(?:sday)?|Wed(?:nesday)?|Thu(?:rsday)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)",
    "YEAR": r"[0-9]{4}",
    "HOUR": r"(?:2[0123]|[01]?[0-9])",
    "MINUTE": r"(?:[0-5][0-9])",
    "SECOND": r"(?:[0-5]?[0-9]|60)(?:[.,][0-9]+)?",
    "TIME": r"%{HOUR}:%{MINUTE}(?::%{SECOND})?",
    "DATE_US": r"%{MONTHNUM}[/-]%{MONTHDAY}[/-]%{YEAR}",
    "DATE_EU": r"%{MONTHDAY}[./-]%{MONTHNUM}[./-]%{YEAR}",
    "ISO8601_TIMEZONE": r"(?:Z|[+-]%{HOUR}(?::?%{MINUTE}))",
    "TIMESTAMP_ISO8601": r"%{YEAR}-%{MONTHNUM}-%{MONTHDAY}[T ]%{HOUR}:?%{MINUTE}(?::?%{SECOND})?%{ISO8601_TIMEZONE}?",
    "DATE": r"(?:%{DATE_US}|%{DATE_EU})",
    "DATESTAMP": r"%{DATE}[- ]%{TIME}",
    "HTTPDATE": r"%{MONTHDAY}/%{MONTH}/%{YEAR}:%{TIME} %{INT}",
    "SYSLOGTIMESTAMP": r"%{MONTH} +%{MONTHDAY} %{TIME}",
    "LOGLEVEL": r"(?:[Tt]race|TRACE|[Dd]ebug|DEBUG|[Ii]nfo|INFO|[Ww]arn(?:ing)?|WARN(?:ING)?|[Ee]rr(?:or)?|"
                r"ERR(?:OR)?|[Cc]rit(?:ical)?|CRIT(?:ICAL)?|[Ff]atal|FATAL|[Ss]evere|SEVERE)",
    "COMMONAPACHELOG": r"%{IPORHOST:clientip} %{USER:ident} %{USER:auth} \[%{HTTPDATE:timestamp}\] "
                       r"\"(?:%{WORD:verb} %{NOTSPACE:request}(?: HTTP/%{NUMBER:httpversion})?|%{DATA:rawrequest})\" "
                       r"%{NUMBER:response} (?:%{NUMBER:bytes}|-)",
    "COMBINEDAPACHELOG": r"%{COMMONAPACHELOG} %{QS:referrer} %{QS:agent}",
}

# Glue's grok types, as Hive types.
TYPES = {"string": "string", "byte": "tinyint", "boolean": "boolean", "short": "smallint", "int": "int",
         "long": "bigint", "float": "float", "double": "double"}
_REFERENCE = re.compile(r"%\{(\w+)(?::([\w.@-]+))?(?::(\w+))?\}")
MAX_EXPANSIONS = 1000


class GrokError(ValueError):
    """A grok pattern that cannot be expanded (unknown name, bad type, a cycle)."""


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # Hive type


@dataclass(frozen=True)
class Grok:
    """An expanded pattern: ``regex`` has one capturing group per field."""

    pattern: str
    regex: str
    fields: tuple[Field, ...]

    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.regex)


def parse_custom_patterns(text: str) -> dict[str, str]:
    """Glue's CustomPatterns: one ``NAME regex`` per line (blank lines and ``#`` comments skipped)."""
    patterns: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, regex = line.partition(" ")
        if not re.fullmatch(r"\w+", name) or not regex.strip():
            raise GrokError(f"custom pattern line {number} must be 'NAME regex', got {line[:80]!r}")
        patterns[name] = regex.strip()
    return patterns


def expand(pattern: str, custom: Mapping[str, str] | None = None) -> Grok:
    """Expand ``%{NAME}`` and ``%{NAME:field[:type]}`` references recursively."""
    library = {**BUILTIN_PATTERNS, **(custom or {})}
    fields: list[Field] = []
    budget = [MAX_EXPANSIONS]

    def substitute(text: str, stack: tuple[str, ...]) -> str:
        def one(m: re.Match[str]) -> str:
            name, field, kind = m.group(1), m.group(2), m.group(3)
            if name not in library:
                raise GrokError(f"unknown grok pattern %{{{name}}}; define it in the custom patterns "
                                f"or use one of: {', '.join(sorted(BUILTIN_PATTERNS)[:12])}, ...")
            if name in stack:
                raise GrokError(f"grok pattern %{{{name}}} refers to itself ({' -> '.join((*stack, name))})")
            budget[0] -= 1
            if budget[0] < 0:
                raise GrokError(f"grok pattern expands to more than {MAX_EXPANSIONS} references")
            if kind is not None and kind not in TYPES:
                raise GrokError(f"grok type {kind!r} of field {field!r} is not one of {', '.join(TYPES)}")
            if field is None:
                return "(?:" + substitute(library[name], (*stack, name)) + ")"
            index = len(fields)
            fields.append(Field(field.lower(), TYPES[kind or "string"]))
            inner = substitute(library[name], (*stack, name))
            del fields[index + 1:]  # nested named fields inside a named field are not columns
            return "(" + _uncapture(inner) + ")"

        return _REFERENCE.sub(one, text)

    regex = substitute(pattern, ())
    try:
        compiled = re.compile(regex)
    except re.error as exc:
        raise GrokError(f"grok pattern is not a valid regular expression after expansion: {exc}") from exc
    if compiled.groups != len(fields):
        raise GrokError("grok pattern has capturing groups of its own; use (?:...) for grouping")
    return Grok(pattern, regex, tuple(fields))


def _uncapture(regex: str) -> str:
    """Turn capturing groups inside a named field into non-capturing ones (character classes kept)."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(regex):
        ch = regex[i]
        if ch == "\\":
            out.append(regex[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            start = i + 1 + (regex[i + 1:i + 2] == "^")
            if regex[start:start + 1] == "]":  # a literal ] first in the class
                out.append(regex[i:start + 1])
                i = start + 1
                continue
        elif ch == "(" and not regex.startswith("(?", i):
            out.append("(?:")
            i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)
