"""Running classifiers in Glue's order: custom ones first, then Avro, ORC, Parquet, JSON, XML, CSV.

The first answer with certainty 1.0 wins; otherwise the most certain one; otherwise UNKNOWN with
a reason naming everything tried.  Compressed samples are decompressed (bounded) first, and the
codec is recorded as ``compressionType``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from classifiers.api import Classification, Classifier, ClassifyOptions, Sample, unknown
from classifiers.avro import AvroClassifier
from classifiers.compression import NONE, open_sample
from classifiers.csv import CsvClassifier
from classifiers.json import JsonClassifier
from classifiers.orc import OrcClassifier
from classifiers.parquet import ParquetClassifier
from classifiers.xml import XmlClassifier

log = logging.getLogger(__name__)


def builtin_classifiers() -> tuple[Classifier, ...]:
    """The built-in classifiers in Glue's order."""
    return _BUILTINS


_BUILTINS: tuple[Classifier, ...] = (AvroClassifier(), OrcClassifier(), ParquetClassifier(), JsonClassifier(),
                                     XmlClassifier(), CsvClassifier())


def _run(classifier: Classifier, sample: Sample, options: ClassifyOptions) -> Classification:
    try:
        result = classifier.classify(sample, options)
    except Exception as exc:  # a classifier bug must not stop a crawl; it is logged and reported
        log.exception("classifier %s failed on %s", classifier.name, sample.name)
        return unknown(f"{classifier.name}: failed ({type(exc).__name__}: {exc})")
    if result.known and not result.classifier:
        result = replace(result, classifier=classifier.name)
    return result


def classify(sample: Sample, custom: Sequence[Classifier] = (), options: ClassifyOptions | None = None
             ) -> Classification:
    """Classify one file's sample; never raises for bad data, answers UNKNOWN with a reason."""
    options = options or ClassifyOptions()
    if not sample.head:
        return unknown(f"{sample.name}: the file is empty")
    opened = open_sample(sample, options.sample_bytes)
    if opened.problem:
        return unknown(f"{sample.name}: {opened.problem}")
    if not opened.sample.head:
        return unknown(f"{sample.name}: the {opened.compression} file holds no data")
    best: Classification | None = None
    reasons: list[str] = []
    for classifier in (*custom, *builtin_classifiers()):
        result = _run(classifier, opened.sample, options)
        if result.certainty >= 1.0:
            return _finish(result, opened.compression)
        if result.known and (best is None or result.certainty > best.certainty):
            best = result
        reasons.append(result.reason or f"{classifier.name}: no match")
    if best is not None:
        return _finish(best, opened.compression)
    codec = f" ({opened.compression}-compressed)" if opened.compression != NONE else ""
    return replace(unknown(f"{sample.name}{codec}: no classifier matched: " + "; ".join(reasons)),
                   compression=opened.compression)


def _finish(result: Classification, compression: str) -> Classification:
    params = dict(result.table_parameters)
    params["compressionType"] = compression
    params.setdefault("classification", result.classification)
    return replace(result, compression=compression, table_parameters=params)
