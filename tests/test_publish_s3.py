"""Publishing to S3, against moto's S3-compatible HTTP server on 127.0.0.1."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

from publish_sites import files_of, make_site  # noqa: E402
from timeline.errors import PublishError  # noqa: E402
from timeline.publish import PublishSettings, publish_site, rollback  # noqa: E402
from timeline.publish.s3 import S3Target  # noqa: E402

AWS_VARS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_ENDPOINT_URL")


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(autouse=True)
def aws_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials from the standard environment variables; no config file of the machine's."""
    for var in AWS_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def bucket(endpoint: str) -> str:
    name = f"site-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=name)
    return name


def objects(endpoint: str, bucket: str) -> dict[str, dict[str, Any]]:
    client = boto3.client("s3", endpoint_url=endpoint)
    found = {}
    for obj in client.list_objects_v2(Bucket=bucket).get("Contents", []):
        got = client.get_object(Bucket=bucket, Key=obj["Key"])
        found[obj["Key"]] = {"body": got["Body"].read(), "type": got["ContentType"],
                             "cache": got.get("CacheControl")}
    return found


def counting_target(url: str, endpoint: str) -> tuple[S3Target, list[str]]:
    """A real S3Target whose client records every request it sends (boto3's event hooks)."""
    target = S3Target(url, endpoint_url=endpoint)
    sent: list[str] = []
    target.client().meta.events.register(
        "before-parameter-build.s3.*", lambda model, params, **_: sent.append(
            f"{model.name} {params['Key'].split('/', 1)[-1]}" if model.name == "PutObject" else model.name))
    return target, sent


def test_objects_types_deletions_and_an_unchanged_second_publish(tmp_path: Path, endpoint: str, bucket: str) -> None:
    client = boto3.client("s3", endpoint_url=endpoint)
    client.put_object(Bucket=bucket, Key="elsewhere/keep.txt", Body=b"not ours")
    v1, v2 = make_site(tmp_path / "v1", 1, base="/proj/"), make_site(tmp_path / "v2", 2, base="/proj/")
    s = PublishSettings(to=f"s3://{bucket}/proj", endpoint_url=endpoint)

    first = publish_site(v1, s)
    assert first.settings.base_url == "/proj/"  # the default for a prefix
    stored = objects(endpoint, bucket)
    assert {k.removeprefix("proj/"): v["body"] for k, v in stored.items() if k.startswith("proj/")} == files_of(v1)
    assert stored["elsewhere/keep.txt"]["body"] == b"not ours"
    types = {k.removeprefix("proj/"): (v["type"], v["cache"]) for k, v in stored.items()}
    assert types["index.html"] == ("text/html; charset=utf-8", "public, max-age=300")
    assert types["static/style.css"] == ("text/css; charset=utf-8", "public, max-age=86400")
    assert types["static/logo.svg"] == ("image/svg+xml", "public, max-age=86400")
    assert types["feed.json"] == ("application/json", "public, max-age=300")
    assert types["feed.xml"] == ("application/xml", "public, max-age=300")
    assert types["calendar.ics"] == ("text/calendar; charset=utf-8", "public, max-age=300")

    target, sent = counting_target(s.to, endpoint)
    again = publish_site(v1, s, target=target)
    assert not again.plan and sent == ["ListObjectsV2"]  # compared by checksum: nothing uploaded

    target, sent = counting_target(s.to, endpoint)
    second = publish_site(v2, s, target=target)
    assert second.plan.added == ("new.html",) and second.plan.deleted == ("old.html",)
    assert "static/logo.svg" not in second.plan.changed
    puts = [call.removeprefix("PutObject ") for call in sent if call.startswith("PutObject")]
    assert sorted(puts) == sorted(second.plan.added + second.plan.changed)
    # Assets first, then new pages, then changed pages (which may link to the new ones),
    # deletions last.
    assert puts[0] == "static/style.css" and puts[1] == "new.html" and "index.html" in puts[2:]
    assert sent[-1] == "DeleteObjects"
    stored = objects(endpoint, bucket)
    assert {k.removeprefix("proj/"): v["body"] for k, v in stored.items() if k.startswith("proj/")} == files_of(v2)
    assert "elsewhere/keep.txt" in stored


def test_dry_run_uploads_nothing(tmp_path: Path, endpoint: str, bucket: str) -> None:
    site = make_site(tmp_path / "v1", 1)
    target, sent = counting_target(f"s3://{bucket}", endpoint)
    dry = publish_site(site, PublishSettings(to=f"s3://{bucket}", endpoint_url=endpoint), dry_run=True, target=target)
    assert "index.html" in dry.plan.added and sent == ["ListObjectsV2"]
    assert objects(endpoint, bucket) == {}


def test_missing_credentials(tmp_path: Path, endpoint: str, bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(PublishError) as e:
        publish_site(make_site(tmp_path / "v1", 1),
                     PublishSettings(to=f"s3://{bucket}/p", endpoint_url=endpoint, base_url="/"))
    assert str(e.value) == (f"no AWS credentials found for s3://{bucket}/p/: set AWS_ACCESS_KEY_ID and "
                            "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run `aws configure`; stopped before any upload")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    assert objects(endpoint, bucket) == {}


def test_unreachable_endpoint(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(PublishError) as e:
        publish_site(make_site(tmp_path / "v1", 1),
                     PublishSettings(to="s3://bucket/p", endpoint_url=f"http://127.0.0.1:{port}", base_url="/"))
    assert str(e.value) == (f"cannot reach the S3 endpoint http://127.0.0.1:{port}: check --endpoint-url and the "
                            "network; stopped before any upload")


def test_missing_bucket_and_failed_check_upload_nothing(tmp_path: Path, endpoint: str, bucket: str) -> None:
    site = make_site(tmp_path / "v1", 1)
    with pytest.raises(PublishError, match=r"^the bucket no-such-bucket-x does not exist at http://127\.0\.0\.1:\d+; "
                                           r"create it first; stopped before any upload$"):
        publish_site(site, PublishSettings(to="s3://no-such-bucket-x/p", endpoint_url=endpoint, base_url="/"))
    (site / "index.html").write_text('<!doctype html><script src="https://cdn.example.com/x.js"></script>')
    with pytest.raises(PublishError, match=r"nothing was published: index\.html: loads 'https://cdn\.example\.com"):
        publish_site(site, PublishSettings(to=f"s3://{bucket}", endpoint_url=endpoint))
    assert objects(endpoint, bucket) == {}


def test_bad_urls_and_no_rollback() -> None:
    with pytest.raises(PublishError, match=r"^'s3:/bucket' is not an S3 URL; write s3://BUCKET or s3://BUCKET/PREFIX$"):
        S3Target("s3:/bucket")
    with pytest.raises(PublishError, match="--rollback works with --to dir and --to gh-pages"):
        rollback(PublishSettings(to="s3://bucket/p"))


def test_the_command_publishes_to_s3_and_repeats_from_timeline_toml(cli_sqlite, endpoint: str, bucket: str) -> None:
    added = cli_sqlite("add", "--date", "2025-04-15", "--title", "Kling 2.0 released", "--category",
                       "model-release", "--source", "https://example.com/k2")
    assert added.exit_code == 0, added.output
    first = cli_sqlite("publish", "--to", f"s3://{bucket}/site", "--endpoint-url", endpoint)
    assert first.exit_code == 0, first.output
    assert first.output.startswith(f"Published to s3://{bucket}/site/ at {endpoint}: ")
    stored = objects(endpoint, bucket)
    assert stored["site/index.html"]["type"] == "text/html; charset=utf-8"
    assert b'href="/site/' in stored["site/index.html"]["body"]  # built for the prefix's base URL
    again = cli_sqlite("publish")
    assert again.exit_code == 0 and again.output.endswith("is up to date; nothing published\n")
