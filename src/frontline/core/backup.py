"""Backups of the database and, separately, of the encryption keys; restores, and their proof.

`backup_create` writes a directory `frontline-<UTC time>` holding the database (PostgreSQL:
`pg_dump` custom format; SQLite: a copy made with SQLite's online backup API, safe while the
server writes) and `manifest.json`: the engine, the database file's SHA-256, and for every table
its row count and a SHA-256 over its rows in primary-key order, taken from the very snapshot
the dump holds (PostgreSQL: an exported snapshot shared with pg_dump; SQLite: the copy itself).
The encryption keys (FIELD_ENCRYPTION_KEYS, and BLIND_INDEX_KEY when it is set; otherwise the
blind index derives from the oldest encryption key) go to a separate file,
`frontline-<UTC time>.keys.json` beside the directory or wherever `keys_out` says: kept apart,
a stolen database backup reveals no identity number. Every file is written 0600 and the
directory 0700.

`backup_restore` restores a backup into a fresh database (a new PostgreSQL database through
`pg_restore`, or a new SQLite file), computes the same counts and hashes there and compares them
with the manifest; given the keys file it checks that the keys belong to the backup and that
they decrypt the restored identity numbers (and recompute their blind index).
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

MANIFEST = "manifest.json"
PG_FILE = "database.dump"
SQLITE_FILE = "database.sqlite3"
FORMAT = 1
# Encrypted columns checked after a restore: (table, encrypted column, blind-index column or "",
# blind-index purpose).
ENCRYPTED = [("people_identitydocument", "number_encrypted", "number_index",
              "identity-document"),
             ("arrivals_arrival", "doc_number_encrypted", "doc_number_index",
              "identity-document")]


class BackupError(Exception):
    """A backup or a restore that cannot be made or does not match; the message says why."""


@dataclass
class RestoreResult:
    database: str
    tables: int
    rows: int
    mismatches: list[str] = field(default_factory=list)
    decrypted: int = 0
    keys_checked: bool = False

    @property
    def ok(self) -> bool:
        return not self.mismatches


# -- files ------------------------------------------------------------------------------------

@contextlib.contextmanager
def _private_files() -> Iterator[None]:
    """Every file and directory made meanwhile is readable by the owner only."""
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def keys_fingerprint(keys: list[str], blind_index_key: str = "") -> str:
    """Names a set of keys without revealing them (stored in the manifest)."""
    return hashlib.sha256("\n".join([*keys, blind_index_key]).encode()).hexdigest()


def index_secret(keys: list[str], blind_index_key: str = "") -> str:
    """The secret of the blind index for these keys: crypto.index_secret()'s rule, for keys
    that are not the settings' (BLIND_INDEX_KEY, else the oldest encryption key)."""
    return blind_index_key or keys[-1]


# -- counts and hashes of every table ---------------------------------------------------------

def _json_value(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        return {"bytes": bytes(value).hex()}
    return value


def sqlite_digests(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    """{table: {"rows": n, "sha256": ...}} over each table's rows in primary-key order."""
    tables = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]
    result = {}
    for table in tables:
        info = list(conn.execute(f'PRAGMA table_info("{table}")'))
        keys = [row[1] for row in sorted(info, key=lambda r: r[5]) if row[5]]
        order = ", ".join(f'"{c}"' for c in (keys or [row[1] for row in info]))
        digest, count = hashlib.sha256(), 0
        for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY {order}'):  # noqa: S608
            digest.update(json.dumps([_json_value(v) for v in row], ensure_ascii=False,
                                     separators=(",", ":")).encode())
            digest.update(b"\n")
            count += 1
        result[table] = {"rows": count, "sha256": digest.hexdigest()}
    return result


def pg_digests(conn: Any) -> dict[str, dict[str, Any]]:
    """The same for PostgreSQL, from the rows' text form (time zone UTC), inside the caller's
    transaction (its snapshot)."""
    for statement in ("SET LOCAL TIME ZONE 'UTC'", "SET LOCAL DateStyle = 'ISO, YMD'",
                      "SET LOCAL IntervalStyle = 'postgres'", "SET LOCAL extra_float_digits = 1"):
        conn.execute(statement)
    tables = [row[0] for row in conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname")]
    result = {}
    for table in tables:
        keys = [row[0] for row in conn.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary "
            "ORDER BY array_position(i.indkey, a.attnum)", [f'"{table}"'])]
        order = ", ".join(f'"{c}"' for c in keys) if keys else "t::text"
        digest, count = hashlib.sha256(), 0
        with conn.cursor(name=f"digest_{count}_{uuid.uuid4().hex[:8]}") as cursor:
            cursor.itersize = 5000
            cursor.execute(f'SELECT t::text FROM "{table}" t ORDER BY {order}')  # noqa: S608
            for (text,) in cursor:
                digest.update(text.encode())
                digest.update(b"\n")
                count += 1
        result[table] = {"rows": count, "sha256": digest.hexdigest()}
    return result


def _pg_params(settings_dict: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    return {"dbname": name or settings_dict["NAME"], "user": settings_dict.get("USER") or None,
            "password": settings_dict.get("PASSWORD") or None,
            "host": settings_dict.get("HOST") or None,
            "port": str(settings_dict["PORT"]) if settings_dict.get("PORT") else None}


def _pg_connect(params: dict[str, Any], **kwargs: Any):
    import psycopg

    return psycopg.connect(**{k: v for k, v in params.items() if v is not None},
                           connect_timeout=10, **kwargs)


def _pg_tool_env(params: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    args = []
    for flag, key in (("-h", "host"), ("-p", "port"), ("-U", "user")):
        if params.get(key):
            args += [flag, params[key]]
    env = dict(os.environ)
    if params.get("password"):
        env["PGPASSWORD"] = params["password"]
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    # pg_dump / pg_restore with arguments built here, never from a request.
    done = subprocess.run(command, env=env, capture_output=True, text=True,  # noqa: S603
                          check=False)
    if done.returncode:
        raise BackupError(f"{Path(command[0]).name} failed: {(done.stderr or done.stdout)[-800:]}")


# -- backup -----------------------------------------------------------------------------------

def backup_create(*, out: Path, keys_out: Path | None = None,
                  now: datetime.datetime | None = None) -> dict[str, Any]:
    """Back up the configured database into a new directory under `out` and the keys into a
    separate file; returns the manifest (with the paths written)."""
    now = now or datetime.datetime.now(datetime.UTC)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    out = Path(out)
    with _private_files():
        out.mkdir(parents=True, exist_ok=True)
        target = out / f"frontline-{stamp}"
        target.mkdir()
        keys_path = Path(keys_out) if keys_out else out / f"frontline-{stamp}.keys.json"
        if keys_path.exists() and keys_path.is_dir():
            keys_path = keys_path / f"frontline-{stamp}.keys.json"
        keys = list(settings.FIELD_ENCRYPTION_KEYS)
        blind_index_key = getattr(settings, "BLIND_INDEX_KEY", "") or ""
        backup_id = uuid.uuid4().hex
        try:
            if connection.vendor == "postgresql":
                database_file, tables = _backup_postgresql(target)
            elif connection.vendor == "sqlite":
                database_file, tables = _backup_sqlite(target)
            else:
                raise BackupError(f"no backup for the {connection.vendor} engine")
            manifest = {
                "format": FORMAT, "backup_id": backup_id, "created_at": now.isoformat(),
                "engine": connection.vendor, "database_file": database_file.name,
                "database_sha256": file_sha256(database_file),
                "keys_fingerprint": keys_fingerprint(keys, blind_index_key),
                "tables": tables,
            }
            _write_private(target / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))
            keys_path.parent.mkdir(parents=True, exist_ok=True)
            keys_data = {"format": FORMAT, "backup_id": backup_id, "created_at": now.isoformat(),
                         "FIELD_ENCRYPTION_KEYS": keys,
                         "note": "Set FIELD_ENCRYPTION_KEYS (and BLIND_INDEX_KEY when given) "
                                 "to these values for the restored database. Keep this file "
                                 "apart from the database backup."}
            if blind_index_key:
                keys_data["BLIND_INDEX_KEY"] = blind_index_key
            _write_private(keys_path, json.dumps(keys_data, indent=1))
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
    return {**manifest, "directory": str(target), "keys_file": str(keys_path)}


def _backup_sqlite(target: Path) -> tuple[Path, dict[str, Any]]:
    path = target / SQLITE_FILE
    connection.ensure_connection()
    with contextlib.closing(sqlite3.connect(path)) as copy:
        connection.connection.backup(copy)  # consistent while others write
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        tables = sqlite_digests(copy)
    return path, tables


def _backup_postgresql(target: Path) -> tuple[Path, dict[str, Any]]:
    import psycopg

    path = target / PG_FILE
    params = _pg_params(connection.settings_dict)
    with _pg_connect(params) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        args, env = _pg_tool_env(params)
        # pg_dump reads the snapshot this transaction holds open: the hashes and the dump agree.
        _run(["pg_dump", *args, "-d", params["dbname"], "-Fc", f"--snapshot={snapshot}",
              "-f", str(path)], env)
        tables = pg_digests(conn)
        conn.rollback()
    return path, tables


# -- restore ----------------------------------------------------------------------------------

def read_manifest(directory: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((Path(directory) / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{directory} holds no readable {MANIFEST}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def read_keys(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text())
        keys = data["FIELD_ENCRYPTION_KEYS"]
    except (OSError, ValueError, KeyError) as exc:
        raise BackupError(f"{path} is not a keys file") from exc
    if not keys or not all(isinstance(k, str) for k in keys):
        raise BackupError(f"{path} holds no keys")
    return data


def compare(expected: dict[str, Any], found: dict[str, Any]) -> list[str]:
    problems = []
    for table in sorted(set(expected) | set(found)):
        if table not in found:
            problems.append(f"{table}: missing")
        elif table not in expected:
            problems.append(f"{table}: not in the backup")
        elif expected[table]["rows"] != found[table]["rows"]:
            problems.append(f"{table}: {found[table]['rows']} rows, "
                            f"{expected[table]['rows']} in the backup")
        elif expected[table]["sha256"] != found[table]["sha256"]:
            problems.append(f"{table}: the rows differ")
    return problems


def backup_restore(*, directory: Path, into: str, keys_file: Path | None = None
                   ) -> RestoreResult:
    """Restore a backup into a fresh database `into` (a new SQLite file path, or the name or
    URL of a new PostgreSQL database) and compare it with the manifest."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    database_file = directory / manifest["database_file"]
    if not database_file.exists() or file_sha256(database_file) != manifest["database_sha256"]:
        raise BackupError(f"{database_file} is missing or damaged (its SHA-256 differs)")
    keys = None
    if keys_file is not None:
        keys_data = read_keys(keys_file)
        keys = keys_data["FIELD_ENCRYPTION_KEYS"]
        blind = keys_data.get("BLIND_INDEX_KEY", "")
        if keys_fingerprint(keys, blind) != manifest["keys_fingerprint"]:
            raise BackupError("these keys are not the ones the backup was made with")
        keys = (keys, blind)
    if manifest["engine"] == "sqlite":
        result = _restore_sqlite(database_file, Path(into), manifest, keys)
    elif manifest["engine"] == "postgresql":
        result = _restore_postgresql(database_file, into, manifest, keys)
    else:
        raise BackupError(f"no restore for the {manifest['engine']} engine")
    return result


def _read_only(path: Path) -> str:
    return path.resolve().as_uri() + "?mode=ro"


def _restore_sqlite(source: Path, target: Path, manifest: dict[str, Any],
                    keys: tuple[list[str], str] | None) -> RestoreResult:
    if target.exists():
        raise BackupError(f"{target} exists: restore into a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    with _private_files():
        with contextlib.closing(sqlite3.connect(_read_only(source), uri=True)) as src, \
                contextlib.closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
    with contextlib.closing(sqlite3.connect(_read_only(target), uri=True)) as conn:
        found = sqlite_digests(conn)
        result = _result(str(target), manifest, found)
        if keys is not None:
            _check_keys(result, keys, lambda sql: conn.execute(sql).fetchall(), set(found))
    return result


def _restore_postgresql(source: Path, into: str, manifest: dict[str, Any],
                        keys: tuple[list[str], str] | None) -> RestoreResult:
    import psycopg
    from psycopg import sql

    if into.startswith(("postgres://", "postgresql://")):
        import dj_database_url

        settings_dict = dj_database_url.parse(into)
    elif connection.vendor == "postgresql":
        settings_dict = {**connection.settings_dict, "NAME": into}
    else:
        raise BackupError("give the new database as a postgres:// URL")
    params = _pg_params(settings_dict)
    name = params["dbname"]
    with _pg_connect({**params, "dbname": "postgres"}, autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            raise BackupError(f"the database {name} exists: restore into a new database")
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' "
                              "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'").format(
            sql.Identifier(name)))
    args, env = _pg_tool_env(params)
    _run(["pg_restore", *args, "-d", name, "--no-owner", "--exit-on-error", str(source)], env)
    with _pg_connect(params) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        found = pg_digests(conn)
        result = _result(name, manifest, found)
        if keys is not None:
            _check_keys(result, keys, lambda q: conn.execute(q).fetchall(), set(found))
        conn.rollback()
    return result


def _result(database: str, manifest: dict[str, Any], found: dict[str, Any]) -> RestoreResult:
    return RestoreResult(database=database, tables=len(found),
                         rows=sum(t["rows"] for t in found.values()),
                         mismatches=compare(manifest["tables"], found))


def _check_keys(result: RestoreResult, keys: tuple[list[str], str], fetch,
                tables: set[str]) -> None:
    """The keys decrypt the restored identity numbers and give back their blind index."""
    from frontline.core.crypto import _index_key, normalise_identifier

    encryption_keys, blind_index_key = keys
    try:
        fernet = MultiFernet([Fernet(k.encode()) for k in encryption_keys])
        index_key = _index_key(index_secret(encryption_keys, blind_index_key))
    except (ValueError, TypeError, ImproperlyConfigured) as exc:
        raise BackupError("the keys file holds a malformed key") from exc

    for table, column, index_column, purpose in ENCRYPTED:
        if table not in tables:
            continue
        rows = fetch(f'SELECT "{column}", "{index_column}" FROM "{table}" '  # noqa: S608
                     f"WHERE \"{column}\" <> '' ORDER BY 1 LIMIT 50")
        for token, index in rows:
            try:
                plain = fernet.decrypt(token.encode()).decode()
            except InvalidToken:
                raise BackupError(f"the keys do not decrypt {table}.{column}") from None
            message = f"{purpose}\x00{normalise_identifier(plain)}".encode()
            if index and hmac.new(index_key, message, hashlib.sha256).hexdigest() != index:
                raise BackupError(f"the keys do not give back {table}.{index_column}")
            result.decrypted += 1
    result.keys_checked = True
