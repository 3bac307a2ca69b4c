"""S3 and S3-compatible stores as a crawl source (boto3, configurable endpoint).

Listing streams pages of ListObjectsV2; samples are ranged GETs (a 64 KiB probe, more only for
text formats; Parquet/ORC footers by range), run on the scan's thread pool. Throttling and
transient errors are retried by botocore's adaptive mode with backoff.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlparse

from classifiers.api import Sample
from crawlers.paths import Excludes, is_side_entry
from crawlers.sources import DEFAULT_SAMPLE_BYTES, FileEntry, ListingStats, Source, SourceError

PROBE = 64 * 1024  # enough for any magic number and small files; footer formats need no more head


def _client(endpoint: str | None, attempts: int = 10):  # noqa: ANN202
    import boto3
    from botocore.config import Config

    config = Config(retries={"max_attempts": attempts, "mode": "adaptive"}, max_pool_connections=32,
                    connect_timeout=10, read_timeout=60)
    return boto3.client("s3", endpoint_url=endpoint, config=config)


class S3Source(Source):
    """``s3://bucket/prefix``: every object below the prefix."""

    def __init__(self, uri: str, excludes: Excludes | None = None, *, endpoint: str | None = None) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        parsed = urlparse(uri)
        self.bucket, self.prefix = parsed.netloc, parsed.path.strip("/")
        if not self.bucket:
            raise SourceError(f"source {uri}: no bucket; write s3://bucket/prefix")
        self.uri = f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"
        self.excludes = excludes or Excludes()
        self.stats = ListingStats()
        self.endpoint = endpoint
        self._client = None
        try:  # a quick probe: a wrong endpoint or bucket fails in seconds, not after ten backoffs
            _client(endpoint, attempts=2).head_bucket(Bucket=self.bucket)
        except ClientError as e:
            code = e.response.get("Error", {}).get("Code", "")
            if code in ("404", "NoSuchBucket"):
                raise SourceError(f"source {uri}: bucket {self.bucket} does not exist at "
                                  f"{endpoint or 'the default endpoint'}; check the name and --s3-endpoint") from None
            raise SourceError(f"source {uri}: cannot access bucket {self.bucket} ({code}: {e}); "
                              "check the credentials (AWS_* environment variables or profile)") from None
        except BotoCoreError as e:
            raise SourceError(f"source {uri}: cannot reach S3 at {endpoint or 'the default endpoint'}: {e}") from None

    @property
    def client(self):  # noqa: ANN201
        """Created on first use; boto3 clients are thread-safe, so the scan's threads share it."""
        if self._client is None:
            self._client = _client(self.endpoint)
        return self._client

    def list(self) -> Iterator[FileEntry]:
        from botocore.exceptions import BotoCoreError, ClientError

        start = f"{self.prefix}/" if self.prefix else ""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=start)
        try:
            for page in pages:
                for obj in page.get("Contents", ()):
                    key: str = obj["Key"][len(start):]
                    if not key or key.endswith("/"):
                        continue  # folder markers
                    if any(is_side_entry(part) for part in key.split("/")):
                        self.stats.side_files += 1
                        continue
                    if self.excludes.matches(key):
                        self.stats.excluded += 1
                        continue
                    yield FileEntry.of(key, obj["Size"], obj["ETag"].strip('"'))
        except (ClientError, BotoCoreError) as e:
            raise SourceError(f"listing {self.uri} failed: {e}") from None

    def _get(self, key: str, start: int, end: int) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key, Range=f"bytes={start}-{end}")["Body"]
            return body.read()
        except ClientError as e:
            code = e.response.get("Error", {}).get("Code", "")
            if code in ("NoSuchKey", "404"):
                raise FileNotFoundError(f"object vanished during the crawl ({code})") from None
            raise OSError(f"GET failed ({code}: {e})") from None
        except BotoCoreError as e:
            raise OSError(f"GET failed: {e}") from None

    def sample(self, entry: FileEntry, max_bytes: int = DEFAULT_SAMPLE_BYTES) -> Sample:
        key = f"{self.prefix}/{entry.key}" if self.prefix else entry.key
        if entry.size == 0:
            head = b""
        else:
            head = self._get(key, 0, min(PROBE, entry.size) - 1)
            footer_format = head[:4] == b"PAR1" or head[:3] == b"ORC"
            if not footer_format and entry.size > len(head) and max_bytes > len(head):
                head += self._get(key, len(head), min(max_bytes, entry.size) - 1)

        def read_range(offset: int, length: int) -> bytes:
            if length <= 0:
                return b""
            if offset < 0:
                offset = max(entry.size + offset, 0)
            return self._get(key, offset, min(offset + length, entry.size) - 1)

        return Sample(name=f"{self.uri}/{entry.key}", head=head, size=entry.size, read_range=read_range)
