"""Builders of the documents tests, through the real services (as users would)."""

from __future__ import annotations

from frontline.documents import services
from frontline.documents.kinds import DocumentKind
from frontline.documents.models import DocumentTemplate, Translation

CERT_TITLE = "结束观察期证明"
CERT_BODY = "\n".join([
    "兹证明 {name}（证件号码：{document_masked}）于 {start_date} 至 {end_date} 接受集中医学观察，"
    "观察期满，未见异常。",
    "特此证明。",
    "> 东城区人民政府外事办公室",
    "> {issue_date}",
])
CERT_EN_TITLE = "Certificate of the End of Medical Observation"
CERT_EN = [
    "This is to certify that {name} (document No. {document_masked}) completed centralised "
    "medical observation from {start_date} to {end_date}, with no abnormality found.",
    "This certificate is issued accordingly.",
    "Foreign Affairs Office of the People's Government of Dongcheng District",
    "{issue_date}",
]
CERT_TEXTS = {
    "en": (CERT_EN_TITLE, CERT_EN),
    "ja": ("医学観察期間終了証明書", [
        "{name}（旅券番号：{document_masked}）は {start_date} から {end_date} まで集中医学観察を受け、"
        "観察期間を終え、異常は認められなかったことを証明します。",
        "以上、証明します。",
        "東城区人民政府外事弁公室",
        "{issue_date}",
    ]),
    "ko": ("의학 관찰 종료 증명서", [
        "{name}(여권 번호: {document_masked})은(는) {start_date}부터 {end_date}까지 집중 의학 관찰을 "
        "받았으며 관찰 기간이 끝나 이상이 발견되지 않았음을 증명합니다.",
        "이에 증명합니다.",
        "둥청구 인민정부 외사판공실",
        "{issue_date}",
    ]),
    "zh-hant": ("結束觀察期證明", [
        "茲證明 {name}（證件號碼：{document_masked}）於 {start_date} 至 {end_date} 接受集中醫學觀察，"
        "觀察期滿，未見異常。",
        "特此證明。",
        "東城區人民政府外事辦公室",
        "{issue_date}",
    ]),
    "ru": ("Справка об окончании медицинского наблюдения", [
        "Настоящим удостоверяется, что {name} (документ № {document_masked}) прошёл(ла) "
        "централизованное медицинское наблюдение с {start_date} по {end_date}; отклонений не "
        "выявлено.",
        "Справка выдана для предъявления по месту требования.",
        "Канцелярия по иностранным делам Народного правительства района Дунчэн",
        "{issue_date}",
    ]),
    "ar": ("شهادة انتهاء الملاحظة الطبية", [
        "نشهد بأن {name} (رقم الوثيقة {document_masked}) أتمّ الملاحظة الطبية المركزية من "
        "{start_date} إلى {end_date} دون ظهور أي أعراض.",
        "وقد أعطيت هذه الشهادة بناءً على ذلك.",
        "مكتب الشؤون الخارجية لحكومة منطقة دونغتشنغ الشعبية",
        "{issue_date}",
    ]),
    "fa": ("گواهی پایان دورهٔ مراقبت پزشکی", [
        "بدین‌وسیله گواهی می‌شود که {name} (شمارهٔ سند {document_masked}) از {start_date} تا "
        "{end_date} تحت مراقبت پزشکی متمرکز بوده و هیچ مورد غیرعادی مشاهده نشده است.",
        "این گواهی بر این اساس صادر می‌شود.",
        "دفتر امور خارجی دولت مردمی منطقهٔ دونگ‌چنگ",
        "{issue_date}",
    ]),
}


def make_template(tree, *, code: str = "110101", kind: str = DocumentKind.END_CERTIFICATE,
                  title: str = CERT_TITLE, body: str = CERT_BODY) -> DocumentTemplate:
    actor = tree.users["district" if code.startswith("110101") else "district_west"]
    return services.template_create(actor=actor, jurisdiction=tree.jurisdictions[code],
                                    kind=kind, title=title, body=body)


def translation(template: DocumentTemplate, language: str) -> Translation:
    return template.translations.get(language=language)


def translate(tree, template: DocumentTemplate, language: str = "en", *, title: str | None = None,
              segments: list[str] | None = None, ready: bool = True,
              user: str = "translator") -> Translation:
    default_title, default_segments = CERT_TEXTS.get(language, CERT_TEXTS["en"])
    return services.translation_save(
        actor=tree.users[user], translation=translation(template, language),
        title=default_title if title is None else title,
        segments=list(default_segments if segments is None else segments), ready=ready)


def approve(tree, item: Translation) -> Translation:
    return services.translation_approve(actor=tree.users["proofreader"], translation=item)


def make_west_user(tree):
    """A translator and a proofreader of the other district (110102)."""
    from frontline.accounts.models import User
    from frontline.accounts.services import role_grant_from_console
    from frontline.core.testing import PASSWORD

    users = {}
    for role in ("translator", "proofreader"):
        user = User.objects.create_user(username=f"{role}_west", password=PASSWORD)
        role_grant_from_console(user=user, role=role,
                                jurisdiction=tree.jurisdictions["110102"])
        tree.users[f"{role}_west"] = user
        users[role] = user
    return users
