"""Reading the machine-readable zone of passports and ID cards (ICAO 9303 TD1, TD2, TD3).

Every check digit is verified with the `mrz` library; an error names the failing field in
the user's language. Dates are two-digit years: a birth year is put in the past century when
it would otherwise lie in the future; an expiry year is always 20xx.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from mrz.checker.td1 import TD1CodeChecker
from mrz.checker.td2 import TD2CodeChecker
from mrz.checker.td3 import TD3CodeChecker

# The checker's report texts, and the field each names.
_FIELD_ERRORS = {
    "document number hash": gettext_lazy("the check digit of the document number is wrong"),
    "birth date hash": gettext_lazy("the check digit of the date of birth is wrong"),
    "expiry date hash": gettext_lazy("the check digit of the expiry date is wrong"),
    "optional data hash": gettext_lazy("the check digit of the optional data is wrong"),
    "final hash": gettext_lazy("the final (composite) check digit is wrong"),
    "document type": gettext_lazy("the document type is not valid"),
    "birth date": gettext_lazy("the date of birth is not a valid date"),
    "expiry date": gettext_lazy("the expiry date is not a valid date"),
    "nationality": gettext_lazy("the nationality is not a known country code"),
    "country": gettext_lazy("the issuing country is not a known country code"),
    "sex": gettext_lazy("the sex field is not valid"),
    "expiry date before than birth date": gettext_lazy("the expiry date is before the date of birth"),
}

# ICAO codes that are not ISO 3166 alpha-3: D< for Germany, and some others.
_ICAO_TO_ISO3 = {"D": "DEU", "GBD": "GBR", "GBN": "GBR", "GBO": "GBR", "GBP": "GBR",
                 "GBS": "GBR", "UNO": "", "UNA": "", "UNK": "", "XXA": "", "XXB": "", "XXC": "",
                 "XXX": "", "EUE": ""}


@dataclass
class MrzData:
    format: str
    doc_code: str
    family_name: str
    given_names: str
    document_number: str
    issuing_country: str  # ISO 3166 alpha-2, or "" when not a country
    nationality: str
    birth_date: datetime.date | None
    expiry_date: datetime.date | None
    sex: str  # F, M or X


def _lines(text: str) -> list[str]:
    raw = (text or "").upper().replace("\r", "\n")
    lines = [line.replace(" ", "") for line in raw.split("\n") if line.strip()]
    if len(lines) == 1:
        one = lines[0]
        for width, count in ((44, 2), (36, 2), (30, 3)):
            if len(one) == width * count:
                return [one[i:i + width] for i in range(0, len(one), width)]
    return lines


def _alpha2(code: str) -> str:
    from django_countries import countries

    code = code.replace("<", "")
    code = _ICAO_TO_ISO3.get(code, code)
    if not code:
        return ""
    alpha2 = countries.alpha2(code)
    return alpha2 or ""


def _date(value: str, *, expiry: bool) -> datetime.date | None:
    try:
        yy, mm, dd = int(value[0:2]), int(value[2:4]), int(value[4:6])
    except ValueError:
        return None
    today = timezone.localdate()
    if expiry:
        year = 2000 + yy
    else:
        year = 2000 + yy if 2000 + yy <= today.year else 1900 + yy
    try:
        return datetime.date(year, mm, dd)
    except ValueError:
        return None


def parse_mrz(text: str) -> MrzData:
    """Parse and verify MRZ lines; raise ValidationError naming every failing field."""
    lines = _lines(text)
    shape = tuple(len(line) for line in lines)
    checkers = {(44, 44): ("TD3", TD3CodeChecker), (36, 36): ("TD2", TD2CodeChecker),
                (30, 30, 30): ("TD1", TD1CodeChecker)}
    if shape not in checkers:
        raise ValidationError(
            _("The MRZ must be two lines of 44 characters (passport), two of 36 (TD2) or three "
              "of 30 (ID card); got lines of %(lengths)s characters.")
            % {"lengths": ", ".join(str(n) for n in shape) or "0"},
            code="mrz_shape",
        )
    fmt, checker_class = checkers[shape]
    joined = "\n".join(lines)
    bad = set(joined) - set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<\n")
    if bad:
        raise ValidationError(_("The MRZ contains characters that cannot appear in it: %(chars)s")
                              % {"chars": " ".join(sorted(bad))}, code="mrz_chars")
    try:
        # An expired document is still read (the desk decides); only the MRZ is checked here.
        checker = checker_class(joined, check_expiry=False)
    except Exception as exc:  # the library raises plain exceptions on malformed input
        raise ValidationError(_("The MRZ cannot be read: %(error)s") % {"error": exc},
                              code="mrz_invalid") from exc
    valid = bool(checker)
    fields = checker.fields()
    errors = []
    for report in checker.report.errors:
        key = report.removeprefix("false ").strip()
        if key in _FIELD_ERRORS:
            errors.append(str(_FIELD_ERRORS[key]))
    if not valid and not errors:
        errors.append(_("The MRZ is not valid."))
    if errors:
        raise ValidationError(errors, code="mrz_check")
    sex = fields.sex if fields.sex in ("F", "M") else "X"
    return MrzData(
        format=fmt,
        doc_code=fields.document_type,
        family_name=fields.surname.strip(),
        given_names=fields.name.strip(),
        document_number=fields.document_number.replace("<", ""),
        issuing_country=_alpha2(fields.country),
        nationality=_alpha2(fields.nationality),
        birth_date=_date(fields.birth_date, expiry=False),
        expiry_date=_date(fields.expiry_date, expiry=True),
        sex=sex,
    )
