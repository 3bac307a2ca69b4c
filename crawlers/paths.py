"""Which listed paths a crawl considers: Glue exclude globs and the side files engines skip."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

# Files and folders engines never read as data (Spark/Hive conventions, Hadoop and S3 console markers).
_SIDE_FILE_SUFFIXES = (".crc", "_$folder$", "._COPYING_", ".tmp")


def is_side_entry(name: str) -> bool:
    """True for a file or folder name that is not data: ``_SUCCESS``, ``_temporary``, ``.x``, ``x.crc``…

    Names starting with ``_`` are skipped unless they hold ``=`` (``_key=value`` is a partition
    folder), which includes ``_metadata``/``_common_metadata`` summary files.
    """
    if not name or name.startswith("."):
        return True
    if name.startswith("_") and "=" not in name:
        return True
    return name.endswith(_SIDE_FILE_SUFFIXES)


def glob_to_regex(pattern: str) -> str:
    """Glue's glob syntax as a regular expression (anchored by the caller).

    ``*`` stays within one level, ``**`` crosses levels, ``?`` is one character, ``[!a-c]`` negates,
    ``{a,b}`` alternates (not nested), ``\\`` escapes; a leading dot is not special.
    """
    out: list[str] = []
    i, n, in_group = 0, len(pattern), False
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if c == "*":
            if pattern.startswith("**", i):
                out.append(".*")
                i += 2
            else:
                out.append("[^/]*")
                i += 1
            continue
        if c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 2 if pattern.startswith("[!", i) else i + 1)
            if end < 0:
                raise ValueError(f"exclude pattern {pattern!r}: '[' at {i} has no closing ']'")
            body = pattern[i + 1:end]
            negate = body.startswith("!")
            body = body[1:] if negate else body
            body = body.replace("\\", "\\\\").replace("^", "\\^")
            out.append(f"[{'^' if negate else ''}{body}]")
            i = end + 1
            continue
        elif c == "{":
            if in_group:
                raise ValueError(f"exclude pattern {pattern!r}: groups {{…}} cannot be nested")
            in_group = True
            out.append("(?:")
        elif c == "}" and in_group:
            in_group = False
            out.append(")")
        elif c == "," and in_group:
            out.append("|")
        else:
            out.append(re.escape(c))
        i += 1
    if in_group:
        raise ValueError(f"exclude pattern {pattern!r}: '{{' has no closing '}}'")
    return "".join(out)


@cache
def _compile(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{glob_to_regex(p)})" for p in patterns), re.DOTALL)


class Excludes:
    """Exclude globs relative to a source root; ``matches`` takes a ``/``-separated relative path."""

    def __init__(self, patterns: Sequence[str] = ()) -> None:
        self.patterns = tuple(p.strip().lstrip("/") for p in patterns if p.strip())
        self._regex = _compile(self.patterns)

    def matches(self, relative: str) -> bool:
        return self._regex is not None and self._regex.fullmatch(relative) is not None

    def absolute(self, root_uri: str) -> list[str]:
        """The globs as absolute paths, as Glue writes them into the ``exclusions`` table parameter."""
        return [f"{root_uri.rstrip('/')}/{p}" for p in self.patterns]
