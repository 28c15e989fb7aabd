"""Publish to an S3 bucket, or any S3-compatible store (MinIO, R2, B2, Ceph, ...).

The bucket is listed once; a file is uploaded only when its MD5 differs from the object's
ETag (the ETag of an object uploaded in one part is its MD5), so publishing an unchanged
site uploads nothing. Every object gets a Content-Type and a Cache-Control. Objects under
the prefix that are no longer part of the site are deleted.

S3 has no transactions, so the order is chosen to keep the live site consistent: assets
(CSS, images, ...) first, then pages, new files before changed ones, deletions last. Credentials,
endpoint and bucket problems show up in the first request (the listing), before anything
is written. Credentials come from the standard places (AWS_* variables, ~/.aws/config
and ~/.aws/credentials, AWS_PROFILE, instance roles): boto3's default chain.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from timeline.errors import PublishError
from timeline.publish import Plan, file_digest, site_files

# Content types for what a timeline site holds; others come from `mimetypes`.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8", ".json": "application/json",
    ".xml": "application/xml", ".atom": "application/atom+xml", ".rss": "application/rss+xml",
    ".ics": "text/calendar; charset=utf-8", ".svg": "image/svg+xml", ".txt": "text/plain; charset=utf-8",
    ".webmanifest": "application/manifest+json", ".png": "image/png", ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp", ".avif": "image/avif",
    ".ico": "image/x-icon", ".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf",
    ".otf": "font/otf", ".pdf": "application/pdf",
}
# Pages and feeds change with every new event: browsers check again after 5 minutes.
# Assets (not fingerprinted) change with the templates: a day.
SHORT_CACHE = "public, max-age=300"
LONG_CACHE = "public, max-age=86400"
SHORT_CACHED = frozenset({".html", ".htm", ".json", ".xml", ".atom", ".rss", ".ics", ".txt", ".webmanifest", ""})
CREDENTIALS_HELP = ("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, "
                    "or run `aws configure`")


def content_type(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(path)
    return guessed or "application/octet-stream"


def cache_control(path: str) -> str:
    return SHORT_CACHE if Path(path).suffix.lower() in SHORT_CACHED else LONG_CACHE


def parse_s3_url(url: str) -> tuple[str, str]:
    """("bucket", "prefix/") from s3://bucket/prefix; the prefix is "" or ends with "/"."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise PublishError(f"{url!r} is not an S3 URL; write s3://BUCKET or s3://BUCKET/PREFIX")
    prefix = parts.path.strip("/")
    return parts.netloc, f"{prefix}/" if prefix else ""


class S3Target:
    def __init__(self, url: str, *, endpoint_url: str | None = None):
        self.bucket, self.prefix = parse_s3_url(url)
        self.endpoint_url = endpoint_url
        self._client: Any = None

    def describe(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"s3://{self.bucket}/{self.prefix}{where}"

    def default_base_url(self) -> str:
        return f"/{self.prefix}"

    def remembered(self) -> dict[str, str | None]:
        return {}

    # -- the Target interface ---------------------------------------------------------
    def plan(self, site_dir: Path) -> Plan:
        local = {rel: file_digest(p, "md5") for rel, p in site_files(site_dir).items()}
        return Plan.between(local, self.remote_etags())

    def deploy(self, site_dir: Path) -> Plan:
        files = site_files(site_dir)
        local = {rel: file_digest(p, "md5") for rel, p in files.items()}
        plan = Plan.between(local, self.remote_etags())
        # Assets before pages, new files before changed ones: a page is online only after
        # everything it links to.
        added = set(plan.added)
        uploads = sorted(plan.added + plan.changed,
                         key=lambda rel: (cache_control(rel) == SHORT_CACHE, rel not in added, rel))
        client = self.client()
        done = 0
        stage = "before any upload"
        try:
            for rel in uploads:
                with open(files[rel], "rb") as body:
                    client.put_object(Bucket=self.bucket, Key=self.prefix + rel, Body=body,
                                      ContentType=content_type(rel), CacheControl=cache_control(rel))
                done += 1
                stage = (f"after uploading {done} of {len(uploads)} files (the site is partly "
                         "updated: run the publish again to finish)")
            stage = "after uploading the new site, while deleting old files (run the publish again)"
            for start in range(0, len(plan.deleted), 1000):
                batch = plan.deleted[start:start + 1000]
                response = client.delete_objects(Bucket=self.bucket, Delete={
                    "Objects": [{"Key": self.prefix + rel} for rel in batch], "Quiet": True})
                if response.get("Errors"):
                    first = response["Errors"][0]
                    raise PublishError(f"S3 refused to delete {first.get('Key')}: {first.get('Code')} "
                                       f"{first.get('Message', '')}; the new site is online, run the "
                                       "publish again to remove the old files")
        except PublishError:
            raise
        except Exception as e:  # botocore's errors, mapped to one line
            self._fail(e, stage)
        return plan

    def rollback(self) -> Plan:
        raise PublishError("--rollback works with --to dir and --to gh-pages; S3 keeps no previous "
                           "version (turn on bucket versioning to restore objects by hand)")

    # -- S3 ---------------------------------------------------------------------------
    def client(self) -> Any:
        if self._client is None:
            try:
                import boto3
                from botocore.config import Config
            except ImportError as e:
                raise PublishError("publishing to S3 needs boto3: pip install 'timeline[s3]'") from e
            config = Config(connect_timeout=5, read_timeout=60, retries={"max_attempts": 3, "mode": "standard"})
            try:
                self._client = boto3.session.Session().client("s3", endpoint_url=self.endpoint_url, config=config)
            except Exception as e:
                self._fail(e, "before any upload")
        return self._client

    def remote_etags(self) -> dict[str, str]:
        """The objects under the prefix: site-relative key -> ETag (the MD5 for one-part uploads)."""
        found: dict[str, str] = {}
        try:
            pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
            for page in pages:
                for obj in page.get("Contents", []):
                    found[obj["Key"][len(self.prefix):]] = obj.get("ETag", "").strip('"')
        except PublishError:
            raise
        except Exception as e:
            self._fail(e, "before any upload")
        return found

    def _fail(self, error: Exception, stage: str) -> NoReturn:
        """Raise a one-line PublishError for a boto3/botocore error."""
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            ConnectTimeoutError,
            EndpointConnectionError,
            NoCredentialsError,
            NoRegionError,
            PartialCredentialsError,
        )
        where = f"s3://{self.bucket}/{self.prefix}"
        endpoint = self.endpoint_url or "AWS S3"
        if isinstance(error, (NoCredentialsError, PartialCredentialsError)):
            message = f"no AWS credentials found for {where}: {CREDENTIALS_HELP}"
        elif isinstance(error, (EndpointConnectionError, ConnectTimeoutError)):
            message = f"cannot reach the S3 endpoint {endpoint}: check --endpoint-url and the network"
        elif isinstance(error, NoRegionError):
            message = "no AWS region configured: set AWS_DEFAULT_REGION or run `aws configure`"
        elif isinstance(error, ClientError):
            code = error.response.get("Error", {}).get("Code", "")
            text = error.response.get("Error", {}).get("Message", "")
            if code == "NoSuchBucket":
                message = f"the bucket {self.bucket} does not exist at {endpoint}; create it first"
            elif code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "403",
                          "ExpiredToken", "InvalidToken", "AllAccessDisabled"):
                message = (f"access to {where} denied ({code}): check the credentials, and that they "
                           "may list, put and delete objects in the bucket")
            else:
                message = f"S3 refused a request for {where}: {code} {text}".rstrip()
        elif isinstance(error, BotoCoreError):
            message = f"S3 error for {where}: {error}"
        else:
            raise error
        raise PublishError(f"{message}; stopped {stage}") from error
