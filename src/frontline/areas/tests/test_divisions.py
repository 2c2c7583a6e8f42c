"""The division importer: upsert, idempotence, a line-numbered report of rejected rows."""

import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from frontline.areas.models import Jurisdiction
from frontline.areas.services import DivisionFileError, division_rows_parse, divisions_load
from frontline.audit.models import ChangeLogEntry

BEIJING = Path(settings.PROJECT_DIR) / "data" / "beijing-divisions.csv"


def load(text: str):
    return divisions_load(actor=None, rows=division_rows_parse(text.encode()))


GOOD = """code,name,level,parent_code
110101,东城区,district,
110101001,东华门街道,street,110101
110101001001,多福巷社区居委会,community,110101001
"""


@pytest.mark.django_db
def test_loads_and_is_idempotent():
    report = load(GOOD)
    assert (report.added, report.changed, report.rejected) == (3, 0, [])
    community = Jurisdiction.objects.get(code="110101001001")
    assert community.parent.code == "110101001" and community.level == "community"
    again = load(GOOD)
    assert (again.added, again.changed, again.unchanged) == (0, 0, 3)


@pytest.mark.django_db
def test_changed_name_is_updated_and_audited():
    load(GOOD)
    report = load(GOOD.replace("多福巷社区居委会", "多福巷社区"))
    assert report.changed == 1
    assert Jurisdiction.objects.get(code="110101001001").name == "多福巷社区"
    entry = ChangeLogEntry.objects.filter(event="divisions.load").latest("id")
    assert entry.after["changed_codes"] == ["110101001001"]


@pytest.mark.django_db
def test_bad_rows_are_reported_with_line_numbers_and_not_written():
    text = GOOD + "\n".join([
        "11010100200,短码社区,community,110101001",  # line 5: wrong length
        "110101002,景山街道,community,110101",  # line 6: a 9-digit code is no community
        "110101009001,无主社区,community,110101009",  # line 7: unknown parent
        "110101001,东华门街道重复,street,110101",  # line 8: duplicate
        "110102001,错父街道,street,110101",  # line 9: does not start with parent
        "1101010010x1,字母社区,community,110101001",  # line 10: not digits
        "110101003,,street,110101",  # line 11: empty name
        "110101004,某街道,province,110101",  # line 12: unknown level
        "110101٠٠5,阿拉伯数字街道,street,110101",  # line 13: digits, but not ASCII ones
    ]) + "\n"
    report = load(text)
    lines = dict(report.rejected)
    assert sorted(lines) == [5, 6, 7, 8, 9, 10, 11, 12, 13]
    assert "digits" in lines[5]
    assert "unknown parent" in lines[7]
    assert "repeats line 3" in lines[8]
    assert "does not start" in lines[9]
    assert report.added == 3
    assert not Jurisdiction.objects.filter(code__in=["110101002", "110101009001", "110102001"]
                                          ).exists()


@pytest.mark.django_db
def test_child_of_a_rejected_row_is_rejected():
    text = GOOD + "110101005,坏街道,street,999999\n110101005001,孤儿社区,community,110101005\n"
    report = load(text)
    assert {line for line, _ in report.rejected} == {5, 6}


def test_whole_file_errors():
    with pytest.raises(DivisionFileError, match="header"):
        division_rows_parse(b"id,name\n1,x\n")
    with pytest.raises(DivisionFileError, match="UTF-8"):
        division_rows_parse("code,name,level,parent_code\n110101,东城区,district,\n".encode("gb18030"))
    with pytest.raises(DivisionFileError, match="empty"):
        division_rows_parse(b"")


@pytest.mark.django_db
def test_district_attaches_to_existing_city():
    Jurisdiction.objects.create(code="11", name="北京市", level="city")
    load(GOOD)
    assert Jurisdiction.objects.get(code="110101").parent.code == "11"


@pytest.mark.django_db
def test_command_loads_dongcheng_with_root(capsys):
    call_command("load_divisions", str(BEIJING), "--root", "110101")
    out = capsys.readouterr().out
    assert "187 added" in out and "0 rejected" in out
    assert Jurisdiction.objects.filter(level="street").count() == 17
    assert Jurisdiction.objects.filter(level="community").count() == 169


@pytest.mark.django_db
def test_all_of_beijing_loads_in_seconds(capsys):
    started = time.monotonic()
    call_command("load_divisions", str(BEIJING))
    elapsed = time.monotonic() - started
    assert Jurisdiction.objects.count() == 16 + 349 + 7535
    assert elapsed < 30, f"loading Beijing took {elapsed:.1f} s"
    call_command("load_divisions", str(BEIJING))
    assert "0 added, 0 changed, 7900 unchanged" in capsys.readouterr().out


@pytest.mark.django_db
def test_command_refuses_missing_file(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("load_divisions", str(tmp_path / "nope.csv"))
