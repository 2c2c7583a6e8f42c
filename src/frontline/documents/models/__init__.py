"""Models of the document center: templates and translations, glossary and memory, issued
documents, print runs and proofreading (one module per subject)."""

from frontline.documents.models.glossary import GlossaryEquivalent, GlossaryTerm, MemorySegment
from frontline.documents.models.issuing import (
    BatchOutput,
    BatchStatus,
    DocumentStatus,
    IssueBatch,
    IssuedDocument,
    OfficeProfile,
    SerialCounter,
)
from frontline.documents.models.printing import Distribution, PrintRun
from frontline.documents.models.proofreading import (
    ProofreadComment,
    ProofreadRequest,
    ProofreadStatus,
)
from frontline.documents.models.templates import (
    DocumentTemplate,
    RevisionEvent,
    TemplateRevision,
    Translation,
    TranslationComment,
    TranslationRevision,
    TranslationState,
)

__all__ = [
    "BatchOutput", "BatchStatus", "Distribution", "DocumentStatus", "DocumentTemplate", "GlossaryEquivalent",
    "GlossaryTerm", "IssueBatch", "IssuedDocument", "MemorySegment", "OfficeProfile",
    "PrintRun", "ProofreadComment", "ProofreadRequest", "ProofreadStatus", "RevisionEvent",
    "SerialCounter", "TemplateRevision", "Translation", "TranslationComment",
    "TranslationRevision", "TranslationState",
]
