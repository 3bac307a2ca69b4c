"""Loads the project's own Hive Metastore IDL (``thrift/hive_metastore.thrift``) with thriftpy2.

The IDL is parsed at import time instead of generated into Python sources: the file in ``thrift/``
is the single source of truth and thriftpy2's Cython binary protocol encodes/decodes it.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from types import ModuleType

import thriftpy2

IDL_NAME = "hive_metastore.thrift"


def idl_dir() -> Path:
    """The folder holding ``hive_metastore.thrift`` and ``fb303.thrift``."""
    override = os.environ.get("METAHIVE_IDL_DIR")
    candidates = [Path(override)] if override else []
    candidates += [
        Path(__file__).resolve().parents[2] / "thrift",  # source checkout / editable install
        Path(__file__).resolve().parents[1] / "idl",  # wheel (copied at build time)
    ]
    for folder in candidates:
        if (folder / IDL_NAME).is_file():
            return folder
    raise FileNotFoundError(f"{IDL_NAME} not found in any of: {', '.join(map(str, candidates))}")


@cache
def hms() -> ModuleType:
    """The thriftpy2 module for the ThriftHiveMetastore service (structs, exceptions, service)."""
    folder = idl_dir()
    return thriftpy2.load(
        str(folder / IDL_NAME), module_name="hive_metastore_thrift", include_dirs=[str(folder)]
    )
