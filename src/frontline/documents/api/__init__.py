"""REST endpoints of the document center: templates, translations (with review, comments,
history, memory suggestions, XLIFF/.xlsx exchange), glossary, issued documents, batches,
print runs and proofreading requests (one module per subject). Every write calls a service."""

from frontline.documents.api.issuing import IssueBatchViewSet, IssuedDocumentViewSet
from frontline.documents.api.printing import PrintRunViewSet, ProofreadRequestViewSet
from frontline.documents.api.texts import (
    DocumentTemplateViewSet,
    GlossaryTermViewSet,
    TranslationViewSet,
)

ROUTES = [
    ("document-templates", DocumentTemplateViewSet, "document-template"),
    ("translations", TranslationViewSet, "translation"),
    ("glossary", GlossaryTermViewSet, "glossary-term"),
    ("issued-documents", IssuedDocumentViewSet, "issued-document"),
    ("document-batches", IssueBatchViewSet, "document-batch"),
    ("print-runs", PrintRunViewSet, "print-run"),
    ("proofreading", ProofreadRequestViewSet, "proofread-request"),
]
