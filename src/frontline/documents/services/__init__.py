"""Every write of the document center, one function per business operation.

Other apps call `document_issue` and `document_issue_batch` (see services.issuing).
"""

from frontline.documents.services.issuing import (
    batch_file,
    batch_render,
    batch_retry,
    document_issue,
    document_issue_batch,
    document_revoke,
    issued_document_file,
    template_preview,
)
from frontline.documents.services.office import office_profile_save
from frontline.documents.services.preparing import (
    serial_from_token,
    verification_token,
    verification_url,
)
from frontline.documents.services.printing import (
    distribution_create,
    print_run_create,
    print_run_stock,
)
from frontline.documents.services.proofreading import (
    proofread_approve,
    proofread_comment_add,
    proofread_save,
    proofread_submit,
    text_from_upload,
)
from frontline.documents.services.translation import (
    ImportReport,
    faq_text_submit,
    glossary_term_delete,
    glossary_term_save,
    template_create,
    template_update,
    translation_approve,
    translation_comment_add,
    translation_save,
    translations_export,
    translations_import,
)

__all__ = [
    "ImportReport", "batch_file", "batch_render", "batch_retry", "distribution_create",
    "document_issue", "document_issue_batch", "document_revoke", "faq_text_submit",
    "glossary_term_delete",
    "glossary_term_save", "issued_document_file", "office_profile_save", "print_run_create",
    "print_run_stock", "proofread_approve", "proofread_comment_add", "proofread_save",
    "proofread_submit", "serial_from_token", "template_create", "template_preview",
    "template_update", "text_from_upload", "translation_approve", "translation_comment_add",
    "translation_save", "translations_export", "translations_import", "verification_token",
    "verification_url",
]
