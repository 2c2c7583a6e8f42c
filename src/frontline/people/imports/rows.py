"""Checking one row of an import: every cell parsed and validated with the registry's rules.

The rules are those of the person services (countries from django-countries, phones through
`services.normalise_phone`, dates neither in the future nor impossibly old, a residence that
is a community or street inside the uploader's scope, document numbers normalised and
blind-indexed), applied in Python to a whole file without a query per row. Every problem is
reported with its column, in the language of the user who uploaded the file.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_countries import countries

from frontline.core import crypto
from frontline.core.permissions import Scope
from frontline.people.imports.columns import COLUMNS
from frontline.people.models import Category, DocumentType, ImportKind, Sex
from frontline.people.services import DOCUMENT_PURPOSE, normalise_phone

MAX_LENGTHS = {"family_name": 100, "given_names": 150, "name_native": 200, "name_zh": 100,
               "address": 300, "notes": 2000, "room": 20, "preferred_language": 10,
               "email": 254}
OLDEST_YEARS = 130


@dataclass(frozen=True)
class Residence:
    pk: int
    code: str
    level: str


@dataclass(frozen=True)
class Hotel:
    pk: int
    code: str
    residence: Residence | None  # where a new lodger lives when the file names no community


@dataclass
class RowContext:
    """Everything a row is checked against, loaded once per file (no query per row)."""

    kind: str
    scope: Scope  # the uploader's scope for changing records
    job_code: str  # rows must lie inside the job's jurisdiction too
    residences: dict[str, Residence]  # by code
    residence_names: dict[str, list[str]]  # folded name → codes
    hotels: dict[str, Hotel]  # folded name / English name / id → hotel
    default_hotel: Hotel | None
    organisation_id: int | None  # the school of a school list
    hotels_by_pk: dict[int, Hotel] = field(default_factory=dict)
    today: datetime.date = field(default_factory=timezone.localdate)
    now: datetime.datetime = field(default_factory=timezone.now)


@dataclass(slots=True)
class ParsedRow:
    line: int
    person: dict[str, Any]  # only the fields the row gives (empty cells never erase)
    categories: list[str]
    doc_type: str
    doc_country: str
    doc_number: str
    doc_index: str
    doc_expiry: datetime.date | None
    residence: Residence | None  # given in the file
    default_residence: Residence | None  # the hotel's, for a new lodger
    stay: tuple[int, str, str, datetime.datetime, datetime.datetime | None] | None
    number_encrypted: str = ""  # set for the checked copy: no plain number is stored
    number_masked: str = ""

    @property
    def doc_key(self) -> tuple[str, str, str]:
        return (self.doc_type, self.doc_country, self.doc_index)


class RowError(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = str(message)


def fold(text: str) -> str:
    return re.sub(r"[\s_\-.()（）]+", "", unicodedata.normalize("NFKC", text or "").casefold())


# -- lookups built once -----------------------------------------------------------------------

@lru_cache(maxsize=2)
def _country_table(_key: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for code, name in countries:
                table.setdefault(fold(name), code)
    for code, _name in countries:
        table[fold(code)] = code
        alpha3 = countries.alpha3(code)
        if alpha3:
            table[fold(alpha3)] = code
    for alias, code in (("d", "DE"), ("中国香港", "HK"), ("香港", "HK"), ("中国澳门", "MO"),
                        ("澳门", "MO"), ("中国台湾", "TW"), ("台湾", "TW"), ("英国", "GB"),
                        ("美国", "US"), ("韩国", "KR"), ("usa", "US"), ("uk", "GB")):
        table.setdefault(fold(alias), code)
    return table


def country_code(value: str) -> str | None:
    return _country_table("countries").get(fold(value))


def _choice_table(choices, extra: dict[str, str]) -> dict[str, str]:
    table: dict[str, str] = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for value, label in choices:
                table.setdefault(fold(str(label)), value)
    for value, _label in choices:
        table[fold(value)] = value
    for alias, value in extra.items():
        table.setdefault(fold(alias), value)
    return table


@lru_cache(maxsize=1)
def _doc_types() -> dict[str, str]:
    return _choice_table(DocumentType.choices, {
        "p": "passport", "护照": "passport", "港澳居民来往内地通行证": "hk_macau_permit",
        "回乡证": "hk_macau_permit", "港澳通行证": "hk_macau_permit",
        "台湾居民来往大陆通行证": "taiwan_permit", "台胞证": "taiwan_permit",
        "外国人永久居留身份证": "permanent_residence_id", "永居证": "permanent_residence_id",
        "居留许可": "residence_permit", "居留证": "residence_permit",
        "外交证": "diplomatic_id", "其他": "other"})


@lru_cache(maxsize=1)
def _categories() -> dict[str, str]:
    return _choice_table(Category.choices, {
        "永久居留": "permanent_resident", "永久居民": "permanent_resident",
        "港澳台居民": "hk_mo_tw_resident", "外交人员": "diplomat", "领事人员": "diplomat",
        "商务人员": "business_visitor", "商务": "business_visitor", "其他": "other"})


_SCHOOL_ROLES = {fold(k): v for k, v in {
    "teacher": "foreign_teacher", "教师": "foreign_teacher", "老师": "foreign_teacher",
    "外籍教师": "foreign_teacher", "外教": "foreign_teacher", "foreign_teacher": "foreign_teacher",
    "foreign teacher": "foreign_teacher", "student": "foreign_student",
    "学生": "foreign_student", "留学生": "foreign_student", "外籍学生": "foreign_student",
    "foreign_student": "foreign_student", "foreign student": "foreign_student"}.items()}
_SEXES = {fold(k): v for k, v in {
    "f": Sex.FEMALE, "female": Sex.FEMALE, "女": Sex.FEMALE, "女性": Sex.FEMALE,
    "m": Sex.MALE, "male": Sex.MALE, "男": Sex.MALE, "男性": Sex.MALE,
    "x": Sex.UNSPECIFIED, "unspecified": Sex.UNSPECIFIED, "未知": Sex.UNSPECIFIED,
    "未说明": Sex.UNSPECIFIED}.items()}
_SPLIT_LIST = re.compile(r"[,;，；、/|]+")


# -- values -----------------------------------------------------------------------------------

_DATE_FORMATS = ("%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日", "%d.%m.%Y")
_TIME_FORMATS = ("%H:%M", "%H:%M:%S", "%H时%M分", "%H點%M分")


def parse_date(text: str) -> datetime.date:
    text = text.strip()
    try:
        return datetime.date.fromisoformat(text[:10] if len(text) > 10 and text[10] in " T"
                                           else text)
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a date only
        except ValueError:
            continue
    raise ValueError(text)


def parse_datetime(text: str) -> datetime.datetime:
    """An aware datetime; a time without a zone is Beijing time, a date alone is midnight."""
    text = text.strip()
    value = None
    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError:
        head, _sep, tail = text.replace("T", " ").partition(" ")
        day = parse_date(head)
        if not tail.strip():
            value = datetime.datetime.combine(day, datetime.time(0))
        else:
            for fmt in _TIME_FORMATS:
                try:
                    clock = datetime.datetime.strptime(tail.strip(), fmt).time()  # noqa: DTZ007
                    value = datetime.datetime.combine(day, clock)
                    break
                except ValueError:
                    continue
    if value is None:
        raise ValueError(text)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return value


def _text(field: str, value: str) -> str:
    limit = MAX_LENGTHS.get(field)
    if limit and len(value) > limit:
        raise RowError(field, _("This is longer than %(limit)s characters.") % {"limit": limit})
    return value


def _date_field(field: str, value: str, ctx: RowContext, *, past_only: bool = True
                ) -> datetime.date:
    try:
        day = parse_date(value)
    except ValueError:
        raise RowError(field, _("“%(value)s” is not a date; write dates as year-month-day, for example "
                                "1990-01-31.")
                       % {"value": value}) from None
    if past_only and day > ctx.today:
        raise RowError(field, _("The date %(date)s is in the future.") % {"date": day})
    if day.year < ctx.today.year - OLDEST_YEARS:
        raise RowError(field, _("The date %(date)s is more than %(years)s years ago.")
                       % {"date": day, "years": OLDEST_YEARS})
    return day


def _expiry_field(value: str, ctx: RowContext) -> datetime.date:
    """A document's expiry: in the past is allowed (an expired passport is still an identity)."""
    return _date_field("doc_expiry", value, ctx, past_only=False)


def _datetime_field(field: str, value: str, ctx: RowContext) -> datetime.datetime:
    try:
        moment = parse_datetime(value)
    except ValueError:
        raise RowError(field, _("“%(value)s” is not a date and time; write them as "
                                "year-month-day hours:minutes, for example 2020-03-01 14:30.")
                       % {"value": value}) from None
    if moment > ctx.now + datetime.timedelta(hours=1):
        raise RowError(field, _("The time %(time)s is in the future.")
                       % {"time": timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")})
    if moment.year < ctx.today.year - OLDEST_YEARS:
        raise RowError(field, _("The date %(date)s is more than %(years)s years ago.")
                       % {"date": moment.date(), "years": OLDEST_YEARS})
    return moment


def _country(field: str, value: str) -> str:
    code = country_code(value)
    if code is None:
        raise RowError(field, _("“%(code)s” is not a known country code.") % {"code": value})
    return code


def _phone(field: str, value: str) -> str:
    try:
        return normalise_phone(value, region="CN", field=field)
    except ValidationError as exc:
        raise RowError(field, "; ".join(exc.messages)) from None


def _residence(value: str, ctx: RowContext) -> Residence:
    code = value.strip()
    residence = ctx.residences.get(code)
    if residence is None and not code.isdigit():
        codes = ctx.residence_names.get(fold(code), [])
        inside = [c for c in codes if ctx.scope.covers_code(c) and c.startswith(ctx.job_code)]
        if len(inside) > 1:
            raise RowError("residence", _("Several communities are called “%(name)s”; write "
                                          "the community code instead.") % {"name": value})
        residence = ctx.residences.get((inside or codes or [""])[0])
    if residence is None:
        raise RowError("residence", _("“%(value)s” is not the code or name of a community or "
                                      "street.") % {"value": value})
    if not (ctx.scope.covers_code(residence.code) and residence.code.startswith(ctx.job_code)):
        raise RowError("residence", _("The community %(code)s is outside your jurisdiction.")
                       % {"code": residence.code})
    return residence


# -- a whole row ------------------------------------------------------------------------------

def row_parse(line: int, cells: dict[str, str], ctx: RowContext
              ) -> tuple[ParsedRow | None, list[tuple[str, str]]]:
    """The row's values, or the list of (field, message) of everything wrong with it."""
    errors: list[tuple[str, str]] = []
    person: dict[str, Any] = {}

    def attempt(field: str, fn, *args):
        try:
            return fn(*args)
        except RowError as exc:
            errors.append((exc.field, exc.message))
            return None

    for name in ("family_name", "given_names", "name_native", "name_zh", "address", "notes",
                 "preferred_language"):
        value = cells.get(name, "")
        if value:
            value = attempt(name, _text, name, value)
            if value is not None:
                person[name] = value
    if not any(ch.isalpha() for ch in cells.get("family_name", "")):  # not only controls
        errors.append(("family_name", _("The family name is required.")))
    if cells.get("sex"):
        sex = _SEXES.get(fold(cells["sex"]))
        if sex is None:
            errors.append(("sex", _("“%(value)s” is not a sex; write M, F or X.")
                           % {"value": cells["sex"]}))
        else:
            person["sex"] = str(sex)
    if cells.get("birth_date"):
        day = attempt("birth_date", _date_field, "birth_date", cells["birth_date"], ctx)
        if day is not None:
            person["birth_date"] = day
    nationality = None
    if cells.get("nationality"):
        nationality = attempt("nationality", _country, "nationality", cells["nationality"])
        if nationality:
            person["nationality"] = nationality
    else:
        errors.append(("nationality", _("The nationality is required.")))
    for name in ("phone",):
        if cells.get(name):
            phone = attempt(name, _phone, name, cells[name])
            if phone:
                person[name] = phone
    if cells.get("email"):
        email = cells["email"]
        try:
            _text("email", email)
            validate_email(email)
            person["email"] = email
        except (ValidationError, RowError):
            errors.append(("email", _("“%(value)s” is not an e-mail address.")
                           % {"value": email}))
    if cells.get("arrived_on"):
        day = attempt("arrived_on", _date_field, "arrived_on", cells["arrived_on"], ctx)
        if day is not None:
            person["arrived_on"] = day

    # The identity document: the key of the upsert.
    doc_type = "passport"
    if cells.get("doc_type"):
        doc_type = _doc_types().get(fold(cells["doc_type"]))
        if doc_type is None:
            errors.append(("doc_type", _("“%(value)s” is not a document type.")
                           % {"value": cells["doc_type"]}))
    number = crypto.normalise_identifier(cells.get("doc_number", ""))
    if not cells.get("doc_number"):
        errors.append(("doc_number", _("The document number is required.")))
    elif not 3 <= len(number) <= 30:
        errors.append(("doc_number", _("A document number has 3 to 30 letters and digits.")))
    doc_country = nationality
    if cells.get("issuing_country"):
        doc_country = attempt("issuing_country", _country, "issuing_country",
                              cells["issuing_country"])
    expiry = None
    if cells.get("doc_expiry"):
        expiry = attempt("doc_expiry", _expiry_field, cells["doc_expiry"], ctx)

    categories: list[str] = []
    if ctx.kind == ImportKind.RESIDENTS:
        if cells.get("category"):
            for part in _SPLIT_LIST.split(cells["category"]):
                if not part.strip():
                    continue
                category = _categories().get(fold(part))
                if category is None:
                    errors.append(("category", _("“%(value)s” is not a category.")
                                   % {"value": part.strip()}))
                elif category not in categories:
                    categories.append(category)
        # No category: none is added to a person already registered; a new one gets
        # "other" when inserted (imports/upsert.py).
    elif ctx.kind == ImportKind.LODGERS:
        categories.append(Category.HOTEL_LODGER)
    elif ctx.kind == ImportKind.SCHOOL:
        role = _SCHOOL_ROLES.get(fold(cells.get("school_role", "")))
        if role is None:
            errors.append(("school_role", _("Write “teacher” or “student” (教师 or 学生).")))
        else:
            categories.append(role)
        person["organisation_id"] = ctx.organisation_id

    residence = None
    if cells.get("residence"):
        residence = attempt("residence", _residence, cells["residence"], ctx)
    elif ctx.kind != ImportKind.LODGERS:
        errors.append(("residence", _("The community code is required.")))

    stay = None
    default_residence = None
    if ctx.kind == ImportKind.LODGERS:
        hotel = ctx.default_hotel
        if cells.get("hotel"):
            hotel = ctx.hotels.get(fold(cells["hotel"]))
            if hotel is None:
                errors.append(("hotel", _("“%(value)s” is not a hotel of your jurisdiction.")
                               % {"value": cells["hotel"]}))
        elif hotel is None:
            errors.append(("hotel", _("The hotel is required (or choose one when uploading).")))
        check_in = check_out = None
        if cells.get("check_in"):
            check_in = attempt("check_in", _datetime_field, "check_in", cells["check_in"], ctx)
        else:
            errors.append(("check_in", _("The check-in time is required.")))
        if cells.get("check_out"):
            check_out = attempt("check_out", _datetime_field, "check_out", cells["check_out"],
                                ctx)
            if check_out and check_in and check_out < check_in:
                errors.append(("check_out", _("Check-out cannot be before check-in.")))
        room = attempt("room", _text, "room", cells.get("room", "")) or ""
        if hotel is not None and check_in is not None:
            stay = (hotel.pk, hotel.code, room, check_in, check_out)
            default_residence = hotel.residence
        if residence is None and not errors and default_residence is None:
            errors.append(("residence", _("The hotel is not in a community or street; write "
                                          "the lodger's community code.")))

    if errors:
        return None, errors
    if residence is not None:
        person["residence_id"] = residence.pk
        person["jurisdiction_code"] = residence.code
    return ParsedRow(
        line=line, person=person, categories=categories, doc_type=doc_type,
        doc_country=doc_country or "", doc_number=number,
        doc_index=crypto.blind_index(number, purpose=DOCUMENT_PURPOSE), doc_expiry=expiry,
        residence=residence, default_residence=default_residence, stay=stay,
    ), []


def column_label(field: str, headers_by_field: dict[str, str]) -> str:
    """The column as the user knows it: the header of their file, or the template's."""
    if field in headers_by_field:
        return headers_by_field[field]
    column = COLUMNS.get(field)
    return column.header if column else field
