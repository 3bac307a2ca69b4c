"""File classifiers: what format a file has, its Hive schema and how to register it.

Public entry points (stable names; the crawler builds on them):

* ``classify(sample, custom=(), options=None) -> Classification``
* ``sample_local_file(path, options=None) -> Sample``
* ``widen`` / ``merge_columns`` (in ``classifiers.hive_schema``) to merge schemas across files.
"""

from classifiers.api import UNKNOWN, Classification, Classifier, ClassifyOptions, Column, Sample, unknown
from classifiers.chain import builtin_classifiers, classify
from classifiers.hive_schema import merge_columns, widen
from classifiers.local import sample_local_file

__all__ = [
    "UNKNOWN", "Classification", "Classifier", "ClassifyOptions", "Column", "Sample", "builtin_classifiers",
    "classify", "merge_columns", "sample_local_file", "unknown", "widen",
]
