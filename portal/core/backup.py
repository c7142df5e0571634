"""Backup and restore of the database and the media files (`manage.py backup`,
`manage.py restore`; docs/operations.md, "Backup and restore").

An archive is one uncompressed tar file:

- ``database.pgdump``: PostgreSQL, `pg_dump --format=custom` (compressed by pg_dump),
  or ``database.sqlite3``: SQLite, a copy made with SQLite's online backup API (a
  consistent snapshot while the portal keeps writing);
- ``media/<path>``: every file under MEDIA_ROOT;
- ``manifest.json`` last: the format, the time, the database vendor, the migrations
  applied, and the SHA-256 and size of every other member, computed while each was
  written into the archive.

Restore reads the manifest, checks every member's checksum before it changes anything,
refuses a target database that holds data (any account or organization) or a MEDIA_ROOT
that holds files unless told to replace them, then loads the database (pg_restore into
an emptied schema; SQLite's backup API into the database file) and writes the media
files, checking each checksum again as it writes. The ID and phone numbers stay
encrypted in the archive: it restores into a portal that has the same keys.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.db import connections
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
DUMPS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
CHUNK = 1 << 20


class BackupError(Exception):
    """Said to the operator as it is (a CommandError in the commands)."""


@dataclass
class Summary:
    archive: Path
    database: str
    media_files: int
    bytes: int
    notes: list[str] = field(default_factory=list)


# --- helpers -------------------------------------------------------------------------


class _HashingReader(io.RawIOBase):
    """Reads a file through, hashing what passes."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        self.sha.update(data)
        self.size += len(data)
        buffer[: len(data)] = data
        return len(data)


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _media_files(root: Path) -> Iterator[tuple[Path, str]]:
    """Regular files under `root`, sorted, with their archive-relative POSIX paths."""
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_symlink() or not path.is_file():
                continue
            yield path, path.relative_to(root).as_posix()


def _pg_command(tool: str, cfg: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    binary = shutil.which(tool)
    if binary is None:
        raise BackupError(
            f"{tool} is not installed: install the PostgreSQL client "
            "(Debian: apt-get install postgresql-client)"
        )
    args = [binary]
    if cfg.get("HOST"):
        args += ["--host", str(cfg["HOST"])]
    if cfg.get("PORT"):
        args += ["--port", str(cfg["PORT"])]
    if cfg.get("USER"):
        args += ["--username", str(cfg["USER"])]
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if cfg.get("PASSWORD"):
        env["PGPASSWORD"] = str(cfg["PASSWORD"])
    sslmode = (cfg.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return args, env


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {done.stderr.strip() or done.stdout}")


def _applied_migrations(using: str) -> list[str]:
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connections[using])
    if not recorder.has_table():
        return []
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def _add(tar: tarfile.TarFile, name: str, source: Path) -> dict[str, Any]:
    info = tar.gettarinfo(str(source), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with source.open("rb") as raw:
        reader = _HashingReader(raw)
        tar.addfile(info, io.BufferedReader(reader, CHUNK))
    if reader.size != info.size:
        raise BackupError(f"{source} changed size while it was archived; run the backup again")
    return {"path": name, "sha256": reader.sha.hexdigest(), "size": reader.size}


# --- backup --------------------------------------------------------------------------


def archive_path(target: str) -> Path:
    """A directory (existing, or written with a trailing slash) gets a dated file name."""
    path = Path(target)
    if path.is_dir() or target.endswith(("/", os.sep)):
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        return path / f"portal-backup-{stamp}.tar"
    return path


def create_backup(
    target: str, *, using: str = "default", media: bool = True, log: Callable[[str], None]
) -> Summary:
    connection = connections[using]
    vendor = connection.vendor
    if vendor not in DUMPS:
        raise BackupError(f"backups of a {vendor} database are not supported")
    archive = archive_path(target)
    if archive.exists():
        raise BackupError(f"{archive} exists: choose another name")
    archive.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".portal-backup-", dir=archive.parent))
    try:
        dump = work / DUMPS[vendor]
        log(f"dumping the {vendor} database")
        if vendor == "postgresql":
            cfg = connection.settings_dict
            args, env = _pg_command("pg_dump", cfg)
            _run([*args, "--format=custom", "--no-owner", "--file", str(dump), cfg["NAME"]], env)
        else:
            source = sqlite3.connect(f"file:{connection.settings_dict['NAME']}?mode=ro", uri=True)
            copy = sqlite3.connect(dump)
            try:
                source.backup(copy)
            finally:
                copy.close()
                source.close()
        entries = []
        partial = work / "archive.tar"
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            entries.append(_add(tar, DUMPS[vendor], dump))
            dump.unlink()
            count = 0
            if media:
                log(f"adding the media files of {_media_root()}")
                for path, rel in _media_files(_media_root()):
                    entries.append(_add(tar, f"media/{rel}", path))
                    count += 1
            manifest = {
                "format": FORMAT,
                "created_at": timezone.now().isoformat(),
                "vendor": vendor,
                "database": DUMPS[vendor],
                "media": media,
                "migrations": _applied_migrations(using),
                "files": entries,
            }
            data = json.dumps(manifest, indent=1, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(timezone.now().timestamp())
            tar.addfile(info, io.BytesIO(data))
        # The archive holds personal data (ID and phone numbers encrypted, names not).
        partial.chmod(0o600)
        partial.replace(archive)
        return Summary(archive, vendor, count, archive.stat().st_size)
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --- restore -------------------------------------------------------------------------


def _safe_member_name(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        not path.is_absolute()
        and ".." not in path.parts
        and "" not in path.parts
        and (name in DUMPS.values() or (path.parts[0] == "media" and len(path.parts) > 1))
    )


def read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.getmember(MANIFEST)
    except KeyError as exc:
        raise BackupError("not a portal backup: the archive has no manifest.json") from exc
    handle = tar.extractfile(member)
    if handle is None:
        raise BackupError("not a portal backup: manifest.json is not a file")
    try:
        manifest = json.loads(handle.read())
    except ValueError as exc:
        raise BackupError("manifest.json is not valid JSON") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def verify(tar: tarfile.TarFile, manifest: dict[str, Any]) -> None:
    """Every listed file is in the archive with its size and checksum, nothing else is,
    and no name could escape the target directory."""
    listed = {entry["path"]: entry for entry in manifest["files"]}
    members = {m.name: m for m in tar.getmembers() if m.name != MANIFEST}
    for name, member in members.items():
        if not _safe_member_name(name) or not member.isfile():
            raise BackupError(f"refusing the archive: unexpected member {name!r}")
        if name not in listed:
            raise BackupError(f"refusing the archive: {name} is not in the manifest")
    for name, entry in listed.items():
        if name not in members:
            raise BackupError(f"the archive lacks {name}, listed in its manifest")
        if _checksum(tar, members[name]) != (entry["sha256"], entry["size"]):
            raise BackupError(f"checksum mismatch: {name} is damaged; nothing was restored")
    if manifest["database"] not in listed:
        raise BackupError("the archive holds no database dump")


def _open_member(tar: tarfile.TarFile, member: tarfile.TarInfo) -> IO[bytes]:
    handle = tar.extractfile(member)
    if handle is None:
        raise BackupError(f"{member.name} is not a regular file")
    return handle


def _checksum(tar: tarfile.TarFile, member: tarfile.TarInfo) -> tuple[str, int]:
    sha, size = hashlib.sha256(), 0
    handle = _open_member(tar, member)
    while chunk := handle.read(CHUNK):
        sha.update(chunk)
        size += len(chunk)
    return sha.hexdigest(), size


def _extract(tar: tarfile.TarFile, entry: dict[str, Any], destination: Path) -> None:
    """Write one member to `destination` (through a temporary name), checking it again."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".restoring")
    sha = hashlib.sha256()
    handle = _open_member(tar, tar.getmember(entry["path"]))
    with partial.open("wb") as out:
        while chunk := handle.read(CHUNK):
            sha.update(chunk)
            out.write(chunk)
    if sha.hexdigest() != entry["sha256"]:
        partial.unlink()
        raise BackupError(f"checksum mismatch while writing {entry['path']}")
    partial.replace(destination)


def database_holds_data(using: str = "default") -> bool:
    """Whether the database holds anything people entered: an account or an
    organization (what `migrate` alone leaves is taken as empty)."""
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    quote = connection.ops.quote_name
    for label in ("accounts.User", "organizations.Organization"):
        table = apps.get_model(label)._meta.db_table
        if table in tables:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")  # noqa: S608
                if cursor.fetchone():
                    return True
    return False


def _media_holds_files(root: Path) -> bool:
    return next(_media_files(root), None) is not None


def restore_backup(
    archive: Path, *, using: str = "default", force: bool = False, log: Callable[[str], None]
) -> Summary:
    if not archive.is_file():
        raise BackupError(f"{archive} is not a file")
    connection = connections[using]
    try:
        tar = tarfile.open(archive, "r:")  # noqa: SIM115 (closed by the `with` below)
    except tarfile.TarError as exc:
        raise BackupError(f"{archive} is not a tar archive: {exc}") from exc
    with tar:
        manifest = read_manifest(tar)
        if manifest["vendor"] != connection.vendor:
            raise BackupError(
                f"the backup is of a {manifest['vendor']} database; this portal uses "
                f"{connection.vendor}"
            )
        log("verifying the checksums")
        verify(tar, manifest)
        media_root = _media_root()
        if not force:
            if database_holds_data(using):
                raise BackupError(
                    "the target database holds data (accounts or organizations): restore "
                    "into an empty database, or pass --force to replace everything in it"
                )
            if manifest["media"] and _media_holds_files(media_root):
                raise BackupError(
                    f"{media_root} holds files: restore into an empty media directory, or "
                    "pass --force to replace them"
                )
        entries = {entry["path"]: entry for entry in manifest["files"]}
        log(f"restoring the {connection.vendor} database")
        work = Path(tempfile.mkdtemp(prefix=".portal-restore-"))
        try:
            dump = work / manifest["database"]
            _extract(tar, entries[manifest["database"]], dump)
            if connection.vendor == "postgresql":
                _restore_postgresql(connection, dump)
            else:
                _restore_sqlite(connection, dump)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        count = 0
        if manifest["media"]:
            log(f"restoring the media files into {media_root}")
            if force:
                for path, _rel in list(_media_files(media_root)):
                    path.unlink()
            for name, entry in entries.items():
                if name.startswith("media/"):
                    _extract(tar, entry, media_root / PurePosixPath(name[len("media/") :]))
                    count += 1
    notes = []
    missing = sorted(set(manifest["migrations"]) - set(_known_migrations()))
    if missing:
        notes.append(
            f"the backup has {len(missing)} migrations this code does not know "
            f"(first: {missing[0]}): it was made by a newer version of the portal"
        )
    return Summary(archive, connection.vendor, count, archive.stat().st_size, notes)


def _known_migrations() -> list[str]:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    return [f"{app}.{name}" for app, name in loader.disk_migrations]


def _restore_postgresql(connection: Any, dump: Path) -> None:
    cfg = connection.settings_dict
    with connection.cursor() as cursor:
        # Everything the portal has lives in the public schema; start from an empty one.
        cursor.execute("DROP SCHEMA IF EXISTS public CASCADE")
        cursor.execute("CREATE SCHEMA public")
    connection.close()
    args, env = _pg_command("pg_restore", cfg)
    _run(
        [
            *args,
            "--dbname",
            cfg["NAME"],
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            str(dump),
        ],
        env,
    )


def _restore_sqlite(connection: Any, dump: Path) -> None:
    source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    try:
        (result,) = source.execute("PRAGMA integrity_check").fetchone()
        if result != "ok":
            raise BackupError(
                f"the SQLite database in the backup fails its integrity check: {result}"
            )
        connection.close()
        target = sqlite3.connect(connection.settings_dict["NAME"])
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()
