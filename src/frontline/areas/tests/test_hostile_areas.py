"""Hostile division files for `manage.py load_divisions`: refused as a whole, or their bad rows
rejected, never a crash half-way and never a NUL byte sent to the database."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from frontline.areas.models import Jurisdiction
from frontline.areas.services import division_rows_parse, divisions_load
from frontline.core.tests.hostile import corpus
from frontline.core.tests.hostile.checks import audit_added, audit_counts, peak_rss_growth

# Files whose every data row is rejected (the command reports them and writes nothing).
ROWS_REJECTED = {"division_nul": "control characters", "division_escape": "control characters",
                 "division_long_name": "longer than 100 characters"}
# A field longer than the csv module's limit (131,072 characters, process-wide, which nothing
# in the project changes) refuses the whole file instead.
FIELD_LIMIT = "field larger than field limit"


def _tree() -> list[tuple]:
    return list(Jurisdiction.objects.order_by("code").values_list(
        "code", "name", "level", "parent_id", "is_active"))


@pytest.mark.parametrize("item", corpus.items("division"), ids=lambda i: i.key)
def test_every_hostile_division_file_is_refused_or_its_rows_rejected(tree, capsys, item):
    before, audit = _tree(), audit_counts()
    if item.key in ROWS_REJECTED:
        try:
            call_command("load_divisions", str(item.path()))
        except CommandError as refused:
            assert item.key == "division_long_name" and FIELD_LIMIT in str(refused)
        else:
            err = capsys.readouterr().err
            assert ROWS_REJECTED[item.key] in err and "\x1b" not in err and "\x00" not in err
    else:
        with pytest.raises(CommandError) as refused:
            call_command("load_divisions", str(item.path()))
        assert str(refused.value).strip()
    assert _tree() == before
    assert not audit_added(audit)


def test_a_file_over_the_limit_is_never_read_whole():
    item = corpus.get("division_million_rows")
    assert item.path().stat().st_size > 40 * 1024 * 1024

    def load():
        call_command("load_divisions", str(item.path()))

    outcome, growth = peak_rss_growth(load)
    assert outcome.startswith("CommandError") and "larger than 20 MB" in outcome, outcome
    assert growth < 60 * 1024 * 1024, growth  # at most the 20 MB limit (and its text) is read


def test_a_right_to_left_name_with_an_override_is_stored_exactly(tree):
    name, code = corpus.DIVISION_RTL
    rows = division_rows_parse(f"code,name,level,parent_code\n{code},{name},community,"
                               "110101001\n".encode())
    report = divisions_load(actor=tree.users["district"], rows=rows)
    assert (report.added, report.rejected) == (1, [])
    assert Jurisdiction.objects.get(code=code).name == name
