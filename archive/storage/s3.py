"""An S3-compatible object store (AWS S3, MinIO, Ceph's RGW): the same
layout as the local folder, under PREFIX/ in one bucket.

Writes are whole or absent: a small object is one PUT, a large one a
multipart upload that becomes visible only when it is completed. Every
original is sent with its SHA-256 (ChecksumSHA256; per part for a multipart
upload, with the whole file's SHA-256 in its metadata), so a store that
checks checksums (AWS S3, MinIO) refuses bytes that are not the ones the
archive hashed; If-None-Match keeps a stored original from ever being
written over.

A multipart upload left by a process that died (kill -9, a power cut) is
found again through a marker file in the data directory's tmp/, named like
every other temp file (.tmp-<pid>-...) and written before the upload
starts: the sweep that clears dead temp files aborts the uploads their
markers name, and any other incomplete upload of a key a marker names.
Uploads of keys no marker names (another machine's, or a marker lost with
a disk) are aborted once they are a day old; a bucket lifecycle rule
(docs/deploy.md) is the backstop.

Pieces only a folder has: the cache cannot mark an object as used without
rewriting it, so on a bucket the cache of images made on request is pruned
oldest written first rather than least recently used; and deleted originals
wait in PREFIX/trash/ by their LastModified, set when they were moved there.
"""

import base64
import contextlib
import hashlib
import io
import json
import mimetypes
import os
import secrets
import time
from pathlib import Path
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from archive.storage import layout
from archive.storage.layout import Fetched, StorageError, Stored, StoredFile
from archive.storage.local import HASH_BLOCK, LocalStorage, temp_file_is_dead, temp_prefix

# An object larger than this goes up in parts of this size (S3's least part is 5 MiB).
MULTIPART_BYTES = 16 * 1024 * 1024
MIN_PART_BYTES = 5 * 1024 * 1024
# An incomplete upload no marker names is left this long (another machine may be writing it).
STALE_UPLOAD_SECONDS = 24 * 3600
# Ranged reads of a tile pyramid fetch at least this much at once.
READ_AHEAD = 256 * 1024
_NOT_FOUND = ("404", "NoSuchKey", "NotFound")
_REFUSED_CHECKSUM = ("BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch", "InvalidChecksum")


def parse_location(location):
    """(bucket, prefix) of s3://bucket/prefix; raises ValueError for anything else."""
    parts = urlsplit(location)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"ARCHIVE_STORAGE must be s3://BUCKET/PREFIX, not {location!r}")
    return parts.netloc, parts.path.strip("/")


def _b64(hex_digest):
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


class S3Storage:
    """The object-store backend. Local scratch (staged uploads, temp copies
    of originals for a decoder) stays under the data directory's tmp/."""

    def __init__(self, data_dir, location, endpoint_url=None, region=None, part_bytes=MULTIPART_BYTES):
        self.bucket, self.prefix = parse_location(location)
        self.location = location
        self.endpoint_url, self.region = endpoint_url or None, region or None
        self.part_bytes = max(MIN_PART_BYTES, int(part_bytes))
        # Staging, markers and locks are files on this machine.
        self._local = LocalStorage(data_dir)
        self.root = self.data_dir = self._local.root
        self.tmp = self._local.tmp
        self._client, self._client_pid = None, None

    # A storage crosses to worker processes (bulk import, OCR): the client
    # is made again on the other side, never shared across a fork.
    def __getstate__(self):
        state = dict(self.__dict__)
        state["_client"] = state["_client_pid"] = None
        return state

    @property
    def client(self):
        if self._client is None or self._client_pid != os.getpid():
            config = Config(
                # MinIO, Ceph and test servers answer at one host: path-style
                # addressing; AWS itself takes either.
                s3={"addressing_style": "path" if self.endpoint_url else "auto"},
                retries={"max_attempts": 5, "mode": "standard"},
                max_pool_connections=32,
                # Reads are checked as a local disk's are: by verify, which
                # re-hashes and says what it found (not a failed read).
                response_checksum_validation="when_required",
            )
            self._client = boto3.session.Session().client(
                "s3", endpoint_url=self.endpoint_url, region_name=self.region, config=config)
            self._client_pid = os.getpid()
        return self._client

    # -- keys -----------------------------------------------------------------

    def _key(self, relative):
        return f"{self.prefix}/{relative}" if self.prefix else relative

    def _relative(self, key):
        return key[len(self.prefix) + 1 :] if self.prefix else key

    def _ref(self, key):
        return f"s3://{self.bucket}/{key}"

    def _key_of_ref(self, ref):
        bucket, key = parse_location(ref)
        if bucket != self.bucket:
            raise ValueError(f"{ref} is not in this archive's bucket")
        return key

    def original_ref(self, sha256, ext):
        return self._ref(self._key(layout.original_key(sha256, ext)))

    def derivative_ref(self, sha256, name):
        return self._ref(self._key(layout.derivative_key(sha256, name)))

    # -- the requests -----------------------------------------------------------

    def _head(self, key, checksums=False):
        """The object's head, or None when there is none."""
        try:
            extra = {"ChecksumMode": "ENABLED"} if checksums else {}
            return self.client.head_object(Bucket=self.bucket, Key=key, **extra)
        except ClientError as exc:
            if _code(exc) in _NOT_FOUND:
                return None
            raise _storage_error(exc, key) from None

    def _get(self, key, **extra):
        """A get_object answer, or None when there is no such object."""
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key, **extra)
        except ClientError as exc:
            if _code(exc) in _NOT_FOUND:
                return None
            raise _storage_error(exc, key) from None

    def _list(self, relative_prefix):
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(relative_prefix)):
            yield from page.get("Contents", [])

    def _delete(self, keys):
        keys = list(keys)
        for start in range(0, len(keys), 1000):
            self.client.delete_objects(Bucket=self.bucket, Delete={
                "Objects": [{"Key": key} for key in keys[start : start + 1000]], "Quiet": True})

    def _move(self, source, target):
        """Copy then delete: False when there was nothing at source."""
        try:
            self.client.copy_object(Bucket=self.bucket, Key=target, ChecksumAlgorithm="SHA256",
                                    CopySource={"Bucket": self.bucket, "Key": source})
        except ClientError as exc:
            if _code(exc) in _NOT_FOUND:
                return False
            raise _storage_error(exc, source) from None
        self.client.delete_object(Bucket=self.bucket, Key=source)
        return True

    def _upload(self, path, key, sha256=None, only_new=False, content_type=None):
        """Put a local file at key, whole or not at all. sha256 (hex): the
        file's, sent for the store to check. only_new: never over an existing
        object (If-None-Match). Returns False when only_new found one."""
        size = os.path.getsize(path)
        extra = {"ContentType": content_type or mimetypes.guess_type(key)[0] or "application/octet-stream"}
        if sha256:
            extra["Metadata"] = {"sha256": sha256}
        try:
            if size <= self.part_bytes:
                with open(path, "rb") as body:
                    data = body.read()
                digest = sha256 if sha256 else hashlib.sha256(data).hexdigest()
                self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ChecksumAlgorithm="SHA256",
                                       ChecksumSHA256=_b64(digest), **({"IfNoneMatch": "*"} if only_new else {}),
                                       **extra)
            else:
                self._upload_parts(path, key, extra, only_new)
        except ClientError as exc:
            if only_new and _code(exc) in ("PreconditionFailed", "ConditionalRequestConflict"):
                return False
            if _code(exc) in _REFUSED_CHECKSUM:
                raise StorageError(f"the object store refused {key}: its bytes do not match their SHA-256 "
                                   "(the file changed while it was sent?)") from None
            raise _storage_error(exc, key) from None
        return True

    def _upload_parts(self, path, key, extra, only_new):
        marker = self._local.temp_file(".multipart")
        try:
            marker.write_text(json.dumps({"bucket": self.bucket, "key": key}))
            upload = self.client.create_multipart_upload(Bucket=self.bucket, Key=key,
                                                         ChecksumAlgorithm="SHA256", **extra)
            upload_id = upload["UploadId"]
            marker.write_text(json.dumps({"bucket": self.bucket, "key": key, "upload_id": upload_id}))
            try:
                parts = []
                with open(path, "rb") as source:
                    for number, block in enumerate(iter(lambda: source.read(self.part_bytes), b""), 1):
                        checksum = base64.b64encode(hashlib.sha256(block).digest()).decode()
                        answer = self.client.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id,
                                                         PartNumber=number, Body=block,
                                                         ChecksumAlgorithm="SHA256", ChecksumSHA256=checksum)
                        parts.append({"PartNumber": number, "ETag": answer["ETag"], "ChecksumSHA256": checksum})
                self.client.complete_multipart_upload(
                    Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts},
                    **({"IfNoneMatch": "*"} if only_new else {}))
            except BaseException:
                with contextlib.suppress(ClientError):
                    self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
                raise
        finally:
            marker.unlink(missing_ok=True)

    def _download(self, key, target):
        """Stream an object into a local file; FileNotFoundError when absent."""
        answer = self._get(key)
        if answer is None:
            raise FileNotFoundError(self._ref(key))
        with open(target, "wb") as out:
            for chunk in answer["Body"].iter_chunks(HASH_BLOCK):
                out.write(chunk)

    # -- originals ------------------------------------------------------------

    def temp_file(self, suffix=""):
        return self._local.temp_file(suffix)

    def stage_copy(self, source_path):
        """A copy under tmp/ that becomes the upload: the archive's own
        bytes, which an import hashes and the store checks."""
        return self._local.stage_copy(source_path)

    def stage_in_place(self, path):
        return self._local.stage_in_place(path)

    def place_original(self, staged, sha256, ext):
        """Upload a staged copy under its content address; returns (ref,
        created). The staged file goes either way."""
        key = self._key(layout.original_key(sha256, ext))
        try:
            if self._head(key) is not None:
                return self._ref(key), False
            created = self._upload(staged, key, sha256, only_new=True)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(staged)
        return self._ref(key), created

    def put_original(self, source_path, sha256, ext, link=False):
        """Store a copy of a local file known to have this SHA-256 (a
        backup, a restore), checked by the store as it is written."""
        key = self._key(layout.original_key(sha256, ext))
        self._upload(source_path, key, sha256)
        return "copied"

    def has_original(self, sha256, ext):
        return self._head(self._key(layout.original_key(sha256, ext))) is not None

    def original_matches(self, sha256, ext):
        """Whether the original is there with this SHA-256 by the store's own
        record: the checksum the store checked at upload (a single PUT), or
        the whole file's SHA-256 the archive sent beside checked parts (a
        multipart upload). A backup's cheap check of what it has already;
        verify re-hashes instead (fixity.py says why)."""
        head = self._head(self._key(layout.original_key(sha256, ext)), checksums=True)
        if head is None:
            return False
        if "-" in head.get("ETag", ""):  # put together from parts
            return head.get("Metadata", {}).get("sha256") == sha256
        return head.get("ChecksumSHA256") == _b64(sha256)

    def fetch_original(self, sha256, ext, trash_too=False):
        """A temporary local copy of the original (a Fetched, removed on
        close); FileNotFoundError when it is not in the store."""
        areas = [layout.ORIGINALS, layout.TRASH] if trash_too else [layout.ORIGINALS]
        target = self._local.temp_file(f".{ext}")
        try:
            for area in areas:
                with contextlib.suppress(FileNotFoundError):
                    self._download(self._key(layout.original_key(sha256, ext, area)), target)
                    return Fetched(target, remove=True)
            raise FileNotFoundError(self.original_ref(sha256, ext))
        except BaseException:
            target.unlink(missing_ok=True)
            raise

    def hash_original(self, sha256, ext):
        """The SHA-256 of the stored bytes, streamed; FileNotFoundError if absent."""
        key = self._key(layout.original_key(sha256, ext))
        answer = self._get(key)
        if answer is None:
            raise FileNotFoundError(self._ref(key))
        digest = hashlib.sha256()
        for chunk in answer["Body"].iter_chunks(HASH_BLOCK):
            digest.update(chunk)
        return digest.hexdigest()

    def move_to_trash(self, sha256, ext, now=None):
        return self._move(self._key(layout.original_key(sha256, ext)),
                          self._key(layout.original_key(sha256, ext, layout.TRASH)))

    def take_back(self, sha256, ext):
        return self._move(self._key(layout.original_key(sha256, ext, layout.TRASH)),
                          self._key(layout.original_key(sha256, ext)))

    def purge_trash(self, older_than_seconds, now=None):
        """Remove trashed originals moved there longer ago than older_than_seconds."""
        now = time.time() if now is None else now
        old = [item for item in self._list(layout.TRASH + "/")
               if now - item["LastModified"].timestamp() >= older_than_seconds]
        self._delete(item["Key"] for item in old)
        return len(old), sum(item["Size"] for item in old)

    # -- derivatives ----------------------------------------------------------

    def has_derivative(self, sha256, name):
        return self._head(self._key(layout.derivative_key(sha256, name))) is not None

    def get_derivative(self, sha256, name):
        """A Stored streaming the object (one GET), or None."""
        key = self._key(layout.derivative_key(sha256, name))
        answer = self._get(key)
        if answer is None:
            return None
        return Stored(ref=self._ref(key), size=answer["ContentLength"], chunks=lambda: _Body(answer["Body"]))

    def read_derivative(self, sha256, name):
        answer = self._get(self._key(layout.derivative_key(sha256, name)))
        if answer is None:
            return None
        with contextlib.closing(answer["Body"]) as body:
            return body.read()

    def open_derivative(self, sha256, name):
        """A seekable file over ranged GETs (a tile pyramid is read a few
        tiles at a time, never whole); FileNotFoundError if absent."""
        key = self._key(layout.derivative_key(sha256, name))
        head = self._head(key)
        if head is None:
            raise FileNotFoundError(self._ref(key))
        raw = _RangeReader(self.client, self.bucket, key, head["ContentLength"])
        return io.BufferedReader(raw, buffer_size=READ_AHEAD)

    def put_derivative(self, sha256, name, data):
        key = self._key(layout.derivative_key(sha256, name))
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ChecksumAlgorithm="SHA256",
                                   ContentType=mimetypes.guess_type(name)[0] or "application/octet-stream")
        except ClientError as exc:
            raise _storage_error(exc, key) from None
        return Stored(ref=self._ref(key), size=len(data), chunks=lambda: iter((data,)))

    def derivative_scratch(self, sha256, name):
        """A local path where a child process may write this derivative
        (a tile pyramid) before it is uploaded by keep_derivative_file."""
        layout.derivative_key(sha256, name)  # checks the names
        self._local.tmp.mkdir(parents=True, exist_ok=True)
        return self._local.tmp / f"{temp_prefix()}{secrets.token_hex(8)}-{name}"

    def keep_derivative_file(self, sha256, name, path):
        """Upload a derivative written at derivative_scratch() (the local
        file goes); returns (ref, created)."""
        key = self._key(layout.derivative_key(sha256, name))
        try:
            if self._head(key) is not None:
                return self._ref(key), False
            self._upload(path, key)
            return self._ref(key), True
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)

    def derivative_url(self, sha256, name, seconds):
        """A presigned URL of the derivative valid for seconds, or None when
        it is not in the store."""
        key = self._key(layout.derivative_key(sha256, name))
        if self._head(key) is None:
            return None
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=int(seconds))

    def mark_used(self, stored):
        """Nothing: an object's time cannot change without rewriting it (see above)."""

    def remove_derivatives(self, sha256, keep=lambda name: False):
        prefix = self._key(layout.derivative_folder(sha256))
        self._delete(item["Key"] for item in self._list(layout.derivative_folder(sha256))
                     if not keep(item["Key"][len(prefix):]))

    # -- every object ---------------------------------------------------------

    def files(self, area):
        return [StoredFile(self._ref(item["Key"]), self._relative(item["Key"]),
                           item["LastModified"].timestamp(), item["Size"])
                for item in self._list(area + "/")]

    def cache_entries(self, is_cache_name):
        for item in self._list(layout.DERIVATIVES + "/"):
            name = item["Key"].rsplit("/", 1)[-1]
            if len(name) > 65 and name[64] == "-" and is_cache_name(name[65:]):
                yield item["LastModified"].timestamp(), item["Size"], self._ref(item["Key"])

    def remove(self, ref):
        self.client.delete_object(Bucket=self.bucket, Key=self._key_of_ref(ref))

    def remove_if_idle(self, ref, min_age):
        self.remove(ref)  # no use is recorded on a bucket: the listing's age decided
        return True

    def quarantine(self, ref):
        key = self._key_of_ref(ref)
        relative = f"{layout.QUARANTINE}/{self._relative(key)}"
        self._move(key, self._key(relative))
        return relative

    def incomplete_uploads(self):
        """(key, upload id, initiated as a timestamp) of every multipart
        upload under the prefix that was started and never completed."""
        found = []
        paginator = self.client.get_paginator("list_multipart_uploads")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key("")):
            for upload in page.get("Uploads", []):
                found.append((upload["Key"], upload["UploadId"], upload["Initiated"].timestamp()))
        return found

    def sweep_dead_writers(self, now=None):
        """Abort the multipart uploads of writers that died, and remove
        their local temp files; returns how many things were swept."""
        now = time.time() if now is None else now
        live_keys, dead_keys, swept = set(), set(), 0
        for marker in sorted(self._local.tmp.glob(".tmp-*.multipart")):
            try:
                record = json.loads(marker.read_text() or "{}")
            except (OSError, ValueError):
                record = {}
            if record.get("bucket") != self.bucket:
                continue
            (dead_keys if temp_file_is_dead(marker) else live_keys).add(record.get("key"))
        for key, upload_id, initiated in self.incomplete_uploads():
            if key in live_keys:
                continue
            if key in dead_keys or now - initiated > STALE_UPLOAD_SECONDS:
                with contextlib.suppress(ClientError):
                    self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
                    swept += 1
        return swept + self._local.sweep_dead_writers()

    # -- a backup kept in this place -------------------------------------------

    def has_file(self, name):
        return self._head(self._key(name)) is not None

    def fetch_file(self, name):
        """A temporary local copy of the object called name (a Fetched);
        FileNotFoundError if absent."""
        target = self._local.temp_file()
        try:
            self._download(self._key(name), target)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return Fetched(target, remove=True)

    def file_scratch(self, name):
        """A local file to write a new version of name in, for keep_file()."""
        return self._local.temp_file()

    def keep_file(self, name, scratch):
        """Upload the new version (whole or not at all) and let the local file go."""
        try:
            self._upload(scratch, self._key(name))
        finally:
            Path(scratch).unlink(missing_ok=True)

    def is_empty(self):
        answer = self.client.list_objects_v2(Bucket=self.bucket, Prefix=self._key(""), MaxKeys=1)
        return not answer.get("Contents")


class _Body:
    """An object's body as a response iterable: closed (its connection let go)
    even when the response is never read, as for a 304."""

    def __init__(self, body):
        self.body = body

    def __iter__(self):
        yield from self.body.iter_chunks(64 * 1024)

    def close(self):
        self.body.close()


class _RangeReader(io.RawIOBase):
    """A read-only, seekable view of one object through ranged GETs."""

    def __init__(self, client, bucket, key, size):
        self.client, self.bucket, self.key, self.size, self.position = client, bucket, key, size, 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self.position

    def seek(self, offset, whence=io.SEEK_SET):
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = max(0, base + offset)
        return self.position

    def readinto(self, buffer):
        if self.position >= self.size or len(buffer) == 0:
            return 0
        end = min(self.size, self.position + len(buffer)) - 1
        answer = self.client.get_object(Bucket=self.bucket, Key=self.key, Range=f"bytes={self.position}-{end}")
        with contextlib.closing(answer["Body"]) as body:
            data = body.read()
        buffer[: len(data)] = data
        self.position += len(data)
        return len(data)


def _code(exc):
    return str(exc.response.get("Error", {}).get("Code", ""))


def _storage_error(exc, key):
    error = exc.response.get("Error", {})
    return StorageError(f"the object store answered {error.get('Code')} for {key}: {error.get('Message', '')}")
