"""Reading passports' and ID cards' MRZ: every check digit verified, failures named."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from mrz.generator.td1 import TD1CodeGenerator
from mrz.generator.td2 import TD2CodeGenerator
from mrz.generator.td3 import TD3CodeGenerator

from frontline.people.mrz import parse_mrz

TD3 = str(TD3CodeGenerator("P", "ITA", "ROSSI", "MARCO LUCA", "YA1234567", "ITA", "800517",
                           "M", "310101", ""))


def test_td3_passport():
    data = parse_mrz(TD3)
    assert (data.format, data.family_name, data.given_names) == ("TD3", "ROSSI", "MARCO LUCA")
    assert data.document_number == "YA1234567"
    assert data.nationality == "IT" and data.issuing_country == "IT"
    assert data.birth_date == datetime.date(1980, 5, 17)
    assert data.expiry_date == datetime.date(2031, 1, 1)
    assert data.sex == "M"


def test_pasted_as_one_line_or_with_spaces_and_lower_case():
    one_line = TD3.replace("\n", "")
    assert parse_mrz(one_line).document_number == "YA1234567"
    assert parse_mrz("  " + TD3.lower().replace("\n", " \r\n ") + "\n").family_name == "ROSSI"


def test_td1_and_td2():
    td1 = str(TD1CodeGenerator("I", "NLD", "SPEC12345", "640812", "F", "301231", "NLD",
                               "DE BRUIJN", "WILLEKE LISELOTTE"))
    assert parse_mrz(td1).format == "TD1"
    assert parse_mrz(td1).nationality == "NL"
    td2 = str(TD2CodeGenerator("I", "FRA", "DUPONT", "MARIE", "X1234567", "FRA", "900101",
                               "F", "310101"))
    assert parse_mrz(td2).given_names == "MARIE"


def _with(code: str, position: int, char: str) -> str:
    return code[:position] + char + code[position + 1:]


def test_wrong_check_digit_names_the_field():
    line2 = 45  # index of the second line in "line1\nline2"
    bad_number = _with(TD3, line2 + 9, "0" if TD3[line2 + 9] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        parse_mrz(bad_number)
    assert any("document number" in m for m in exc.value.messages)
    bad_birth = _with(TD3, line2 + 19, "0" if TD3[line2 + 19] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        parse_mrz(bad_birth)
    assert any("date of birth" in m for m in exc.value.messages)


def test_wrong_shape_and_characters():
    with pytest.raises(ValidationError, match="two lines of 44"):
        parse_mrz("P<ITAROSSI")
    with pytest.raises(ValidationError, match="cannot appear"):
        parse_mrz(TD3.replace("ROSSI", "RÖSSI"))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_fuzzed_input_never_crashes(text):
    try:
        parse_mrz(text)
    except ValidationError:
        pass
