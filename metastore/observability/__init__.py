"""Operations: metrics, health endpoints, log formatting, request ids and the slow-call log.

Nothing here is imported on the hot path except :mod:`calls`, which the processor calls twice per
RPC; metrics are off unless ``--metrics-port`` is set.
"""
