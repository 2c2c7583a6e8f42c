"""Fixed words printed on documents and on the public verification page, in the 13 traveller
languages. These are not staff-interface strings (those go through gettext in zh-Hans and
English): a traveller reads them in their own language."""

from __future__ import annotations

_KEYS = ("unofficial", "specimen", "serial", "verify", "verification", "kind", "issue_date",
         "validity", "valid_from", "valid_until", "no_expiry", "name", "status", "status_valid",
         "status_revoked", "status_expired", "not_found", "not_found_hint")

_LABELS: dict[str, tuple[str, ...]] = {
    "zh-hans": (
        "非正式译文（尚未经校对审定）", "样本（非有效文件）", "编号",
        "扫描二维码或访问以下地址核验本文件：", "文件核验", "文件", "签发日期", "有效期",
        "有效期自", "有效期至", "长期有效", "姓名", "状态", "有效", "已撤销", "已过期", "未找到",
        "没有与此地址相符的文件。请确认地址完整，或向签发机关咨询。"),
    "zh-hant": (
        "非正式譯文（尚未經校對審定）", "樣本（非有效文件）", "編號",
        "掃描二維碼或造訪以下網址核驗本文件：", "文件核驗", "文件", "簽發日期", "有效期",
        "有效期自", "有效期至", "長期有效", "姓名", "狀態", "有效", "已撤銷", "已過期", "未找到",
        "沒有與此網址相符的文件。請確認網址完整，或向簽發機關查詢。"),
    "en": (
        "Unofficial translation (not yet approved by a proofreader)",
        "Specimen (not a valid document)", "Serial No.",
        "Scan the code or open this address to check this document:", "Document verification",
        "Document", "Date of issue", "Validity", "Valid from", "Valid until", "No expiry date",
        "Name", "Status", "Valid", "Revoked", "Expired", "Not found",
        "No document matches this address. Check that it was copied completely, or ask the "
        "office that issued it."),
    "ja": (
        "非公式翻訳（校正者による承認前）", "見本（有効な文書ではありません）", "番号",
        "コードを読み取るか、次のアドレスを開いてこの文書を確認してください：", "文書の確認", "文書",
        "発行日", "有効期間", "有効期間開始", "有効期限", "期限なし", "氏名", "状態", "有効",
        "取り消し済み", "期限切れ", "見つかりません",
        "このアドレスに該当する文書はありません。アドレスが正しくコピーされているか確認するか、"
        "発行機関にお問い合わせください。"),
    "ko": (
        "비공식 번역 (교정자 승인 전)", "견본 (유효한 문서가 아님)", "일련번호",
        "코드를 스캔하거나 다음 주소를 열어 이 문서를 확인하십시오:", "문서 확인", "문서", "발급일",
        "유효 기간", "유효 시작일", "유효 종료일", "기한 없음", "성명", "상태", "유효", "취소됨",
        "만료됨", "찾을 수 없음",
        "이 주소와 일치하는 문서가 없습니다. 주소가 완전히 복사되었는지 확인하거나 발급 기관에 "
        "문의하십시오."),
    "ru": (
        "Неофициальный перевод (ещё не утверждён корректором)",
        "Образец (недействительный документ)", "Серийный №",
        "Отсканируйте код или откройте этот адрес, чтобы проверить документ:",
        "Проверка документа", "Документ", "Дата выдачи", "Срок действия", "Действителен с",
        "Действителен до", "Бессрочно", "Имя", "Статус", "Действителен", "Отозван", "Истёк",
        "Не найдено",
        "Документ по этому адресу не найден. Проверьте, что адрес скопирован полностью, или "
        "обратитесь в выдавшее его учреждение."),
    "fr": (
        "Traduction non officielle (pas encore approuvée par un relecteur)",
        "Spécimen (document non valable)", "N° de série",
        "Scannez le code ou ouvrez cette adresse pour vérifier ce document :",
        "Vérification du document", "Document", "Date de délivrance", "Validité",
        "Valable à partir du", "Valable jusqu’au", "Sans date d’expiration", "Nom", "Statut",
        "Valable", "Révoqué", "Expiré", "Introuvable",
        "Aucun document ne correspond à cette adresse. Vérifiez qu’elle a été copiée en entier "
        "ou adressez-vous au bureau qui l’a délivré."),
    "es": (
        "Traducción no oficial (aún no aprobada por un revisor)",
        "Muestra (documento no válido)", "N.º de serie",
        "Escanee el código o abra esta dirección para verificar este documento:",
        "Verificación del documento", "Documento", "Fecha de expedición", "Validez",
        "Válido desde", "Válido hasta", "Sin fecha de caducidad", "Nombre", "Estado", "Válido",
        "Revocado", "Caducado", "No encontrado",
        "Ningún documento corresponde a esta dirección. Compruebe que se copió completa o "
        "consulte a la oficina que lo expidió."),
    "it": (
        "Traduzione non ufficiale (non ancora approvata da un revisore)",
        "Fac-simile (documento non valido)", "N. di serie",
        "Scansionare il codice o aprire questo indirizzo per verificare il documento:",
        "Verifica del documento", "Documento", "Data di rilascio", "Validità", "Valido dal",
        "Valido fino al", "Senza scadenza", "Nome", "Stato", "Valido", "Revocato", "Scaduto",
        "Non trovato",
        "Nessun documento corrisponde a questo indirizzo. Verificare che sia stato copiato per "
        "intero o rivolgersi all’ufficio che lo ha rilasciato."),
    "de": (
        "Nichtamtliche Übersetzung (noch nicht von einem Korrektor freigegeben)",
        "Muster (kein gültiges Dokument)", "Seriennummer",
        "Scannen Sie den Code oder öffnen Sie diese Adresse, um das Dokument zu prüfen:",
        "Dokumentprüfung", "Dokument", "Ausstellungsdatum", "Gültigkeit", "Gültig ab",
        "Gültig bis", "Unbefristet", "Name", "Status", "Gültig", "Widerrufen", "Abgelaufen",
        "Nicht gefunden",
        "Zu dieser Adresse gibt es kein Dokument. Prüfen Sie, ob sie vollständig kopiert wurde, "
        "oder wenden Sie sich an die ausstellende Stelle."),
    "pt": (
        "Tradução não oficial (ainda não aprovada por um revisor)",
        "Espécime (documento não válido)", "N.º de série",
        "Digitalize o código ou abra este endereço para verificar este documento:",
        "Verificação do documento", "Documento", "Data de emissão", "Validade",
        "Válido a partir de", "Válido até", "Sem data de validade", "Nome", "Estado", "Válido",
        "Revogado", "Expirado", "Não encontrado",
        "Nenhum documento corresponde a este endereço. Verifique se foi copiado por completo "
        "ou contacte o serviço que o emitiu."),
    "ar": (
        "ترجمة غير رسمية (لم يعتمدها مدقق بعد)", "نموذج (ليس وثيقة صالحة)", "الرقم التسلسلي",
        "امسح الرمز أو افتح هذا العنوان للتحقق من هذه الوثيقة:", "التحقق من الوثيقة", "الوثيقة",
        "تاريخ الإصدار", "الصلاحية", "صالحة من", "صالحة حتى", "بلا تاريخ انتهاء", "الاسم",
        "الحالة", "صالحة", "ملغاة", "منتهية الصلاحية", "غير موجودة",
        "لا توجد وثيقة تطابق هذا العنوان. تأكد من نسخه كاملاً، أو راجع الجهة التي أصدرتها."),
    "fa": (
        "ترجمهٔ غیررسمی (هنوز به تأیید ویراستار نرسیده است)", "نمونه (سند معتبر نیست)",
        "شمارهٔ سریال", "کد را اسکن کنید یا این نشانی را باز کنید تا این سند را بررسی کنید:",
        "بررسی سند", "سند", "تاریخ صدور", "اعتبار", "معتبر از", "معتبر تا", "بدون تاریخ انقضا",
        "نام", "وضعیت", "معتبر", "باطل‌شده", "منقضی‌شده", "یافت نشد",
        "هیچ سندی با این نشانی مطابقت ندارد. مطمئن شوید نشانی کامل کپی شده است یا با اداره‌ای "
        "که آن را صادر کرده تماس بگیرید."),
}

LABELS: dict[str, dict[str, str]] = {lang: dict(zip(_KEYS, values, strict=True))
                                     for lang, values in _LABELS.items()}


def label(language: str, key: str) -> str:
    """A fixed word in `language`, English when the language is unknown."""
    return LABELS.get(language, LABELS["en"])[key]
