"""A real S3 endpoint for the tests: moto's standalone server, speaking the
S3 protocol over HTTP on 127.0.0.1, and a look into either backend that
does not go through the archive's own storage code."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_DEFAULT_REGION": "us-east-1"}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def moto_server():
    """The URL of a moto S3 server in a child process, stopped after."""
    try:
        import moto.server  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"moto[server] is not installed ({exc}); the test extra brings it")
    port = free_port()
    env = {**os.environ, **CREDENTIALS}
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("moto's server did not start")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def s3_client(endpoint):
    import boto3
    from botocore.config import Config

    return boto3.session.Session(aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
                                 aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                                 region_name=CREDENTIALS["AWS_DEFAULT_REGION"]).client(
        "s3", endpoint_url=endpoint, config=Config(s3={"addressing_style": "path"}))


def new_bucket(endpoint):
    name = f"archive-{uuid.uuid4().hex[:12]}"
    s3_client(endpoint).create_bucket(Bucket=name)
    return name


def use_s3(monkeypatch, endpoint, location):
    """Point the archive (this process and the commands it starts) at location."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ARCHIVE_STORAGE", location)
    monkeypatch.setenv("ARCHIVE_S3_ENDPOINT_URL", endpoint)


class Store:
    """What is stored, read straight from the folder or the bucket: keys
    relative to the archive's root (originals/ab/cd/<sha256>.jpg)."""

    def __init__(self, kind, data_dir, endpoint=None, bucket=None, prefix=""):
        self.kind, self.data_dir, self.endpoint, self.bucket, self.prefix = kind, Path(data_dir), endpoint, bucket, prefix

    @property
    def location(self):
        return f"s3://{self.bucket}/{self.prefix}" if self.kind == "s3" else None

    def _key(self, relative):
        return f"{self.prefix}/{relative}" if self.prefix else relative

    def keys(self, area):
        if self.kind == "local":
            folder = self.data_dir / area
            return sorted(p.relative_to(self.data_dir).as_posix() for p in folder.rglob("*")
                          if p.is_file()) if folder.exists() else []
        client = s3_client(self.endpoint)
        found = []
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self._key(area + "/")):
            found += [item["Key"][len(self.prefix) + 1 if self.prefix else 0:] for item in page.get("Contents", [])]
        return sorted(found)

    def read(self, relative):
        if self.kind == "local":
            return (self.data_dir / relative).read_bytes()
        return s3_client(self.endpoint).get_object(Bucket=self.bucket, Key=self._key(relative))["Body"].read()

    def write(self, relative, data):
        if self.kind == "local":
            path = self.data_dir / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        else:
            s3_client(self.endpoint).put_object(Bucket=self.bucket, Key=self._key(relative), Body=data)

    def delete(self, relative):
        if self.kind == "local":
            (self.data_dir / relative).unlink()
        else:
            s3_client(self.endpoint).delete_object(Bucket=self.bucket, Key=self._key(relative))

    def incomplete_uploads(self):
        if self.kind == "local":
            return []
        answer = s3_client(self.endpoint).list_multipart_uploads(Bucket=self.bucket)
        return [upload["Key"] for upload in answer.get("Uploads", [])]

    def temp_files(self):
        return sorted(p.name for p in self.data_dir.rglob(".tmp-*")) if self.data_dir.exists() else []
