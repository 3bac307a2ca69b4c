"""Build hook: a wheel carries the Thrift IDL as ``metastore/idl/*.thrift``.

The IDL lives in ``thrift/`` at the repository root (one source of truth, read in place by source
checkouts and editable installs); ``metastore/wire/idl.py`` looks for the packaged copy in a wheel.
Everything else is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithIdl(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "metastore" / "idl"
        target.mkdir(parents=True, exist_ok=True)
        for idl in sorted((ROOT / "thrift").glob("*.thrift")):
            shutil.copy2(idl, target / idl.name)


setup(cmdclass={"build_py": BuildWithIdl})
