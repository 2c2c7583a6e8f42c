"""The backup and restore drill: `manage.py backup` writes the database and, separately, the
keys; `manage.py restore` builds a fresh database from them (a new SQLite file, or a new
PostgreSQL database through pg_restore) whose every table has the backup's row count and hash,
and whose identity numbers decrypt with the restored keys and not without them."""

from __future__ import annotations

import base64
import contextlib
import datetime
import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.core.management import CommandError, call_command
from django.db import connection

from frontline.core import backup
from frontline.core.testing import TreeBuilder

KEYS = [base64.urlsafe_b64encode(os.urandom(32)).decode() for _ in range(2)]
BLIND_INDEX_KEY = base64.urlsafe_b64encode(os.urandom(32)).decode()


@pytest.fixture(params=["derived", "own"])
def loaded(request, transactional_db, settings, tmp_path):
    """Committed data with encrypted identity numbers (a person's passport, an arrival's); the
    blind index keyed by the oldest encryption key, or by a BLIND_INDEX_KEY of its own."""
    from frontline.arrivals import services as arrivals
    from frontline.people.tests.factories import add_passport, make_person

    settings.FIELD_ENCRYPTION_KEYS = KEYS
    settings.BLIND_INDEX_KEY = BLIND_INDEX_KEY if request.param == "own" else ""
    settings.MEDIA_ROOT = tmp_path / "media"
    tree = TreeBuilder().build()
    people = [make_person(tree, family_name=f"BACKUP{i}") for i in range(5)]
    for i, person in enumerate(people):
        add_passport(tree, person, f"BK{i:07d}")
    arrivals.arrival_register(actor=tree.users["registrar"], transfer_point=None, data={
        "family_name": "DUPONT", "given_names": "Anne", "sex": "F", "birth_date": "1990-01-02",
        "nationality": "FR", "doc_type": "passport", "doc_number": "AR1234567",
        "doc_country": "FR", "travel_mode": "flight", "carrier_number": "AF128",
        "travel_date": datetime.date.today().isoformat(),  # noqa: DTZ011
        "departure_country": "FR", "destination": "110101001001",
        "destination_address": "1 Lane", "phone": "+8613800138000", "temperature": "36.5"},
        check_in=True)
    return tree


@pytest.fixture
def fresh_target(tmp_path):
    """A name for the fresh database to restore into (dropped afterwards on PostgreSQL)."""
    if connection.vendor == "sqlite":
        yield str(tmp_path / "restored" / "frontline.sqlite3")
        return
    name = f"{connection.settings_dict['NAME']}_restored"
    _drop(name)
    try:
        yield name
    finally:
        _drop(name)


def _drop(name: str) -> None:
    params = backup._pg_params(connection.settings_dict)  # noqa: SLF001
    with backup._pg_connect({**params, "dbname": "postgres"}, autocommit=True) as admin:  # noqa: SLF001
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _restored_rows(target: str, query: str) -> list[tuple]:
    if connection.vendor == "sqlite":
        with contextlib.closing(sqlite3.connect(target)) as conn:
            return conn.execute(query).fetchall()
    params = backup._pg_params(connection.settings_dict, target)  # noqa: SLF001
    with backup._pg_connect(params) as conn:  # noqa: SLF001
        return conn.execute(query).fetchall()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_backup_and_restore_into_a_fresh_database(loaded, tmp_path, fresh_target, settings):
    from frontline.arrivals.models import Arrival
    from frontline.people.models import IdentityDocument, Person

    call_command("backup", out=str(tmp_path / "backups"), stdout=open(os.devnull, "w"))  # noqa: SIM115
    [directory] = [p for p in (tmp_path / "backups").iterdir() if p.is_dir()]
    [keys_file] = list((tmp_path / "backups").glob("*.keys.json"))
    manifest = json.loads((directory / "manifest.json").read_text())
    database_file = directory / manifest["database_file"]

    # Written for the owner only; the keys apart from the database and not inside it.
    assert _mode(directory) == 0o700
    for path in (database_file, directory / "manifest.json", keys_file):
        assert _mode(path) == 0o600, path
    assert keys_file.parent != directory
    saved_keys = json.loads(keys_file.read_text())
    assert saved_keys["FIELD_ENCRYPTION_KEYS"] == KEYS
    assert saved_keys.get("BLIND_INDEX_KEY", "") == settings.BLIND_INDEX_KEY
    for key in [*KEYS, BLIND_INDEX_KEY]:
        assert key.encode() not in database_file.read_bytes()
        assert key not in (directory / "manifest.json").read_text()
    assert manifest["engine"] == connection.vendor
    tables = manifest["tables"]
    assert tables["people_person"]["rows"] == Person.objects.count() == 6  # 5 + the arrival's
    assert tables["people_identitydocument"]["rows"] == IdentityDocument.objects.count() == 6
    assert tables["arrivals_arrival"]["rows"] == Arrival.objects.count() == 1
    assert tables["audit_changelogentry"]["rows"] > 10

    # Restored into a fresh database: the same counts and hashes, table by table.
    result = backup.backup_restore(directory=directory, into=fresh_target, keys_file=keys_file)
    assert result.ok, result.mismatches
    assert result.tables == len(tables) and result.keys_checked and result.decrypted == 7
    assert result.rows == sum(t["rows"] for t in tables.values())
    if connection.vendor == "sqlite":
        with contextlib.closing(sqlite3.connect(fresh_target)) as conn:
            found = backup.sqlite_digests(conn)
    else:
        params = backup._pg_params(connection.settings_dict, fresh_target)  # noqa: SLF001
        with backup._pg_connect(params) as conn:  # noqa: SLF001
            found = backup.pg_digests(conn)
    assert found == tables
    assert _restored_rows(fresh_target, "SELECT count(*) FROM people_person")[0][0] == 6

    # The restored identity numbers decrypt with the restored keys, and not without them.
    restored_keys = json.loads(keys_file.read_text())["FIELD_ENCRYPTION_KEYS"]
    rows = _restored_rows(fresh_target, "SELECT number_encrypted FROM people_identitydocument "
                                        "ORDER BY number_encrypted")
    numbers = sorted(MultiFernet([Fernet(k) for k in restored_keys]).decrypt(
        token.encode()).decode() for (token,) in rows)
    assert numbers == ["AR1234567", *(f"BK{i:07d}" for i in range(5))]
    other = Fernet(Fernet.generate_key())
    for (token,) in rows:
        with pytest.raises(InvalidToken):
            other.decrypt(token.encode())


def test_restore_refuses_wrong_keys_a_damaged_file_and_an_existing_database(
        loaded, tmp_path, fresh_target, settings):
    manifest = backup.backup_create(out=tmp_path / "backups")
    directory, keys_file = Path(manifest["directory"]), Path(manifest["keys_file"])

    wrong = tmp_path / "wrong.keys.json"
    wrong.write_text(json.dumps({"FIELD_ENCRYPTION_KEYS": [Fernet.generate_key().decode()]}))
    with pytest.raises(CommandError, match="not the ones the backup was made with"):
        call_command("restore", str(directory), into=fresh_target, keys=str(wrong))

    call_command("restore", str(directory), into=fresh_target, keys=str(keys_file),
                 stdout=open(os.devnull, "w"))  # noqa: SIM115
    with pytest.raises(CommandError, match="exists"):
        call_command("restore", str(directory), into=fresh_target)

    database_file = directory / manifest["database_file"]
    database_file.write_bytes(database_file.read_bytes()[:-100])
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(directory), into=fresh_target + "_2")


def test_a_difference_is_reported_table_by_table():
    expected = {"a": {"rows": 2, "sha256": "x"}, "b": {"rows": 1, "sha256": "y"},
                "c": {"rows": 1, "sha256": "z"}}
    found = {"a": {"rows": 2, "sha256": "x"}, "b": {"rows": 1, "sha256": "changed"},
             "d": {"rows": 0, "sha256": "w"}}
    assert backup.compare(expected, found) == [
        "b: the rows differ", "c: missing", "d: not in the backup"]
