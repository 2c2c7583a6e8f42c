"""The columns of the three import kinds, their bilingual headers, and the downloadable templates.

Headers are always bilingual ("姓 / Family name"), whatever the page language: the same file
travels between a hotel, a street office and the district. A file's header may be the Chinese,
the English or the bilingual form, or a known synonym ("护照号码", "Passport No."); anything
else is mapped by the user.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from frontline.people.models import ImportKind


@dataclass(frozen=True)
class Column:
    field: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()
    note_zh: str = ""
    note_en: str = ""

    @property
    def header(self) -> str:
        return f"{self.zh} / {self.en}"


_ALL = [
    Column("family_name", "姓", "Family name",
           ("surname", "last name", "lastname", "英文姓", "姓氏", "護照姓"),
           "与旅行证件一致（拉丁字母）", "As in the travel document (Latin letters)"),
    Column("given_names", "名", "Given names",
           ("given name", "first name", "firstname", "英文名", "名字"),
           "与旅行证件一致", "As in the travel document"),
    Column("name_native", "本国文字姓名", "Name in native script", ("native name", "原文姓名")),
    Column("name_zh", "中文姓名", "Chinese name", ("中文名", "chinese name", "姓名中文")),
    Column("sex", "性别", "Sex", ("gender",), "男 / 女 / M / F", "M / F / 男 / 女"),
    Column("birth_date", "出生日期", "Date of birth", ("birth date", "dob", "birthday", "生日"),
           "如 1990-01-31", "Such as 1990-01-31"),
    Column("nationality", "国籍", "Nationality", ("country", "citizenship", "国家", "国家或地区"),
           "国家代码或名称，如 DE 或 德国", "Country code or name, such as DE or Germany"),
    Column("doc_type", "证件类型", "Document type", ("document", "id type", "证件种类"),
           "护照 / 港澳居民来往内地通行证 / …", "passport / residence permit / …"),
    Column("doc_number", "证件号码", "Document number",
           ("passport number", "passport no", "document no", "id number", "护照号码", "护照号",
            "证件号")),
    Column("issuing_country", "签发国家", "Issuing country", ("issued by", "签发国", "发证国"),
           "留空则与国籍相同", "Empty: the nationality"),
    Column("doc_expiry", "证件有效期至", "Document expiry date",
           ("expiry date", "expiry", "valid until", "有效期至", "有效期")),
    Column("phone", "电话", "Phone", ("telephone", "mobile", "手机", "手机号", "联系电话")),
    Column("email", "电子邮箱", "E-mail", ("email address", "mail", "邮箱")),
    Column("preferred_language", "常用语言", "Preferred language", ("language", "语言")),
    Column("residence", "居住社区代码", "Community code",
           ("residence", "community", "社区", "社区代码", "居住社区", "所在社区"),
           "12 位社区代码或 9 位街道代码（也可填名称）",
           "12-digit community code or 9-digit street code (or its name)"),
    Column("address", "居住地址", "Address", ("地址", "住址", "home address")),
    Column("category", "类别", "Category", ("人员类别", "type", "身份"),
           "永久居留 / 港澳台居民 / 外交人员 / 商务人员 / 其他",
           "permanent resident / diplomat / business visitor / other"),
    Column("school_role", "教师或学生", "Teacher or student",
           ("teacher/student", "role", "教师/学生", "身份类别"), "教师 / 学生", "teacher / student"),
    Column("arrived_on", "最近入境日期", "Last arrived in the city",
           ("arrival date", "arrived", "入境日期", "抵京日期"), "如 2020-03-01", "Such as 2020-03-01"),
    Column("hotel", "酒店", "Hotel", ("hotel name", "宾馆", "酒店名称"),
           "留空则为上传时选择的酒店", "Empty: the hotel chosen on upload"),
    Column("room", "房间号", "Room", ("room number", "房号", "房间")),
    Column("check_in", "入住时间", "Check-in", ("check in", "checkin", "arrival", "入住日期"),
           "如 2020-03-01 14:30", "Such as 2020-03-01 14:30"),
    Column("check_out", "退房时间", "Check-out", ("check out", "checkout", "departure", "退房日期")),
    Column("notes", "备注", "Notes", ("remarks", "note", "comment")),
]
COLUMNS: dict[str, Column] = {c.field: c for c in _ALL}

_PERSON = ["family_name", "given_names", "name_native", "name_zh", "sex", "birth_date",
           "nationality", "doc_type", "doc_number", "issuing_country", "doc_expiry", "phone",
           "email", "preferred_language"]

KIND_FIELDS: dict[str, list[str]] = {
    ImportKind.RESIDENTS: [*_PERSON, "residence", "address", "category", "arrived_on", "notes"],
    ImportKind.LODGERS: [*_PERSON, "hotel", "room", "check_in", "check_out", "residence",
                         "address"],
    ImportKind.SCHOOL: [*_PERSON, "school_role", "residence", "address", "arrived_on", "notes"],
}
KIND_REQUIRED: dict[str, set[str]] = {
    ImportKind.RESIDENTS: {"family_name", "nationality", "doc_number", "residence"},
    ImportKind.LODGERS: {"family_name", "nationality", "doc_number", "check_in"},
    ImportKind.SCHOOL: {"family_name", "nationality", "doc_number", "residence", "school_role"},
}

_STRIP = re.compile(r"[\s_\-:：·.,，()（）\[\]【】*'\"?？/／|｜]+")
_SPLIT = re.compile(r"[/|｜／]")


def _norm(text: str) -> str:
    return _STRIP.sub("", unicodedata.normalize("NFKC", text or "").casefold())


@lru_cache(maxsize=8)
def _lookup(kind: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for field in KIND_FIELDS[kind]:
        column = COLUMNS[field]
        for name in (column.header, column.zh, column.en, column.en + column.zh, field,
                     *column.aliases):
            table.setdefault(_norm(name), field)
    return table


def header_field(kind: str, header: str) -> str | None:
    """The field a header names (Chinese, English, bilingual or a synonym), or None."""
    table = _lookup(kind)
    key = _norm(header)
    if not key:
        return None
    if key in table:
        return table[key]
    parts = [p for p in (_norm(part) for part in _SPLIT.split(header)) if p]
    for part in parts:
        if part in table:
            return table[part]
    return None


def header_mapping(kind: str, headers: list[str]) -> list[str]:
    """A field (or "" to ignore) for each column; a field is taken by its first column only."""
    taken: set[str] = set()
    fields = []
    for header in headers:
        field = header_field(kind, header) or ""
        if field in taken:
            field = ""
        taken.add(field)
        fields.append(field)
    return fields


def template_rows(kind: str) -> list[list[str]]:
    return [[COLUMNS[f].header for f in KIND_FIELDS[kind]]]


def template_csv(kind: str) -> bytes:
    """The CSV template: the bilingual header, UTF-8 with a BOM so that Excel opens it right."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(template_rows(kind))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx(kind: str) -> bytes:
    """The .xlsx template: the header on the first sheet, the column notes on a second one."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "数据 Data"
    required = KIND_REQUIRED[kind]
    for index, field in enumerate(KIND_FIELDS[kind], start=1):
        cell = sheet.cell(row=1, column=index, value=COLUMNS[field].header)
        cell.font = Font(bold=field in required)
        sheet.column_dimensions[cell.column_letter].width = max(14, len(cell.value) + 2)
        sheet.cell(row=1, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("说明 Notes")
    notes.append(["列 / Column", "必填 / Required", "说明", "Notes"])
    for field in KIND_FIELDS[kind]:
        column = COLUMNS[field]
        notes.append([column.header, "是 / yes" if field in required else "",
                      column.note_zh, column.note_en])
    for letter, width in (("A", 34), ("B", 14), ("C", 44), ("D", 52)):
        notes.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
