"""Partition-name canonicalisation: the fast path for names already in stored form must agree with
re-escaping every name (parse, then make), for any input."""

from hypothesis import given, settings
from hypothesis import strategies as st

from metastore.exceptions import MetaError
from metastore.names import canonical_partition_names, make_partition_name, parse_partition_name

KEYS = ["ds", "hr"]


def _re_escaped(keys: list[str], names: list[str]) -> list[str]:
    out = []
    for name in dict.fromkeys(names):
        try:
            pairs = parse_partition_name(name)
        except MetaError:
            continue
        if [k for k, _ in pairs] == keys:
            out.append(make_partition_name(keys, [v for _, v in pairs]))
    return out


@settings(max_examples=500, deadline=None)
@given(st.lists(st.text(alphabet="ds=/%2F3A:aA_-hr1 \x01#", max_size=24), max_size=6))
def test_fast_path_agrees_with_re_escaping(names: list[str]) -> None:
    assert canonical_partition_names(KEYS, names) == _re_escaped(KEYS, names)


def test_canonical_names_examples() -> None:
    got = canonical_partition_names(KEYS, [
        "ds=2024-01-01/hr=1",  # already canonical: kept as sent
        "DS=a/hr=2",  # keys are case-insensitive
        "ds=a%3A/hr=1",  # escaped already
        "ds=a:b/hr=1",  # ':' must be escaped
        "ds=/hr=1",  # empty value: the default partition
        "hr=1/ds=x",  # other key order: no match
        "ds=2024-01-01/hr=1",  # duplicate
        "garbage",
    ])
    assert got == ["ds=2024-01-01/hr=1", "ds=a/hr=2", "ds=a%3A/hr=1", "ds=a%3Ab/hr=1",
                   "ds=__HIVE_DEFAULT_PARTITION__/hr=1"]
