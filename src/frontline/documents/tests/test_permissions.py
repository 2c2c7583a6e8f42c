"""Generic scoping tests for every scoped model and endpoint of the document center: another
district's (or street's, or hotel's) row answers 404 and nothing changes."""

from __future__ import annotations

import pytest
from django.utils import timezone

from frontline.core.testing import ScopedPermissionTests
from frontline.documents import services
from frontline.documents.kinds import DocumentKind
from frontline.documents.models import (
    Distribution,
    DocumentTemplate,
    GlossaryEquivalent,
    GlossaryTerm,
    IssueBatch,
    IssuedDocument,
    MemorySegment,
    OfficeProfile,
    PrintRun,
    ProofreadComment,
    ProofreadRequest,
    TemplateRevision,
    Translation,
    TranslationComment,
    TranslationRevision,
)
from frontline.documents.tests.factories import make_template, make_west_user, translate

pytestmark = pytest.mark.django_db


def two_templates(tree):
    return make_template(tree), make_template(tree, code="110102")


class TestDocumentTemplatePermissions(ScopedPermissionTests):
    model = DocumentTemplate
    viewer = "district"
    list_url_name = "documents:template_list"
    detail_url_name = "documents:template_detail"
    edit_url_name = "documents:template_edit"
    edit_data = {"title": "taken over", "body": "taken over"}
    api_basename = "document-template"
    api_patch = {"title": "taken over"}

    def make_objects(self, tree):
        return two_templates(tree)


class TestTemplateRevisionPermissions(ScopedPermissionTests):
    model = TemplateRevision
    viewer = "district"

    def make_objects(self, tree):
        inside, outside = two_templates(tree)
        return inside.revisions.get(), outside.revisions.get()


class TestTranslationPermissions(ScopedPermissionTests):
    model = Translation
    viewer = "district"
    editor = "translator"
    detail_url_name = "documents:translation_edit"
    edit_url_name = "documents:translation_edit"
    edit_data = {"title": "taken over", "seg_0": "x", "seg_1": "x", "seg_2": "x", "seg_3": "x",
                 "ready": "1"}
    api_basename = "translation"
    api_patch = {"title": "taken over"}

    def make_objects(self, tree):
        inside, outside = two_templates(tree)
        return inside.translations.get(language="en"), outside.translations.get(language="en")


class TestTranslationRevisionPermissions(ScopedPermissionTests):
    model = TranslationRevision
    viewer = "district"

    def make_objects(self, tree):
        make_west_user(tree)
        inside, outside = two_templates(tree)
        return (translate(tree, inside).revisions.get(),
                translate(tree, outside, user="translator_west").revisions.get())


class TestTranslationCommentPermissions(ScopedPermissionTests):
    model = TranslationComment
    viewer = "district"

    def make_objects(self, tree):
        make_west_user(tree)
        inside, outside = two_templates(tree)
        return (services.translation_comment_add(
                    actor=tree.users["translator"],
                    translation=inside.translations.get(language="en"), text="a"),
                services.translation_comment_add(
                    actor=tree.users["translator_west"],
                    translation=outside.translations.get(language="en"), text="b"))


def two_terms(tree):
    make = services.glossary_term_save
    return (make(actor=tree.users["district"], jurisdiction=tree.jurisdictions["110101"],
                 source="集中医学观察", equivalents={"en": ["centralised medical observation"]}),
            make(actor=tree.users["district_west"], jurisdiction=tree.jurisdictions["110102"],
                 source="集中医学观察", equivalents={"en": ["centralised observation"]}))


class TestGlossaryTermPermissions(ScopedPermissionTests):
    model = GlossaryTerm
    viewer = "district"
    list_url_name = "documents:glossary_list"
    detail_url_name = "documents:glossary_edit"
    edit_url_name = "documents:glossary_edit"
    edit_data = {"source": "taken over"}
    api_basename = "glossary-term"
    api_patch = {"note": "taken over"}

    def make_objects(self, tree):
        return two_terms(tree)


class TestGlossaryEquivalentPermissions(ScopedPermissionTests):
    model = GlossaryEquivalent
    viewer = "district"

    def make_objects(self, tree):
        inside, outside = two_terms(tree)
        return inside.equivalents.get(), outside.equivalents.get()


class TestMemorySegmentPermissions(ScopedPermissionTests):
    model = MemorySegment
    viewer = "district"

    def make_objects(self, tree):
        def segment(code):
            return MemorySegment.objects.create(jurisdiction_code=code, language="en",
                                                source="特此证明。", target="Certified.",
                                                source_key=code, source_length=5)
        return segment("110101"), segment("110102")


class TestOfficeProfilePermissions(ScopedPermissionTests):
    model = OfficeProfile
    viewer = "district"

    def make_objects(self, tree):
        return (services.office_profile_save(actor=tree.users["district"],
                                             jurisdiction=tree.jurisdictions["110101"],
                                             phone="1"),
                services.office_profile_save(actor=tree.users["district_west"],
                                             jurisdiction=tree.jurisdictions["110102"],
                                             phone="2"))


class TestIssueBatchPermissions(ScopedPermissionTests):
    model = IssueBatch
    viewer = "street"
    list_url_name = "documents:batch_list"
    detail_url_name = "documents:batch_detail"
    api_basename = "document-batch"
    api_patch = {"status": "done"}

    def make_objects(self, tree):
        def batch(code):
            return IssueBatch.objects.create(kind=DocumentKind.END_CERTIFICATE,
                                             language_policy="en", total=1,
                                             jurisdiction_code=code)
        return batch("110101001"), batch("110101002")


def two_documents(tree):
    inside, outside = two_templates(tree)

    def document(template, code, serial):
        return IssuedDocument.objects.create(
            serial=serial, kind=template.kind, template=template, language="en",
            jurisdiction_code=code, name_masked="SMIT****hn", issued_at=timezone.now())
    return (document(inside, "110101001001", "110101-2026-0000001"),
            document(inside, "110101002001", "110101-2026-0000002"))


class TestIssuedDocumentPermissions(ScopedPermissionTests):
    model = IssuedDocument
    viewer = "street"
    list_url_name = "documents:issued_list"
    detail_url_name = "documents:issued_detail"
    api_basename = "issued-document"
    api_patch = {"status": "revoked"}

    def make_objects(self, tree):
        return two_documents(tree)


def two_runs(tree):
    def run(user, code):
        return services.print_run_create(actor=tree.users[user],
                                         jurisdiction=tree.jurisdictions[code],
                                         kind=DocumentKind.POSTER, languages=["en"],
                                         quantity=100)
    return run("district", "110101"), run("district_west", "110102")


class TestPrintRunPermissions(ScopedPermissionTests):
    model = PrintRun
    viewer = "district"
    list_url_name = "documents:print_run_list"
    detail_url_name = "documents:print_run_detail"
    api_basename = "print-run"
    api_patch = {"quantity": 1}

    def make_objects(self, tree):
        return two_runs(tree)


class TestDistributionPermissions(ScopedPermissionTests):
    model = Distribution
    viewer = "district"

    def make_objects(self, tree):
        inside, outside = two_runs(tree)
        return (services.distribution_create(actor=tree.users["district"], print_run=inside,
                                             quantity=1, target=tree.jurisdictions["110101001"]),
                services.distribution_create(actor=tree.users["district_west"],
                                             print_run=outside, quantity=1,
                                             target=tree.jurisdictions["110102001"]))


def two_requests(tree):
    hotel_west = tree.users["district_west"]
    return (services.proofread_submit(actor=tree.users["hotel"], place=tree.places["hotel"],
                                      title="a", text="Welcome."),
            services.proofread_submit(actor=hotel_west, place=tree.places["hotel_other"],
                                      title="b", text="Welcome."))


class TestProofreadRequestPermissions(ScopedPermissionTests):
    model = ProofreadRequest
    viewer = "hotel"
    list_url_name = "documents:proofread_list"
    detail_url_name = "documents:proofread_detail"
    api_basename = "proofread-request"
    api_patch = {"corrected_text": "taken over"}

    def make_objects(self, tree):
        return two_requests(tree)


class TestProofreadCommentPermissions(ScopedPermissionTests):
    model = ProofreadComment
    viewer = "hotel"

    def make_objects(self, tree):
        inside, outside = two_requests(tree)
        return (services.proofread_comment_add(actor=tree.users["hotel"], request=inside,
                                               text="a"),
                services.proofread_comment_add(actor=tree.users["district_west"],
                                               request=outside, text="b"))
