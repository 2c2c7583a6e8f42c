"""Pages of the document center, and the public verification page."""

from django.urls import path

from frontline.documents.views import issuing, printing, proofreading, texts

app_name = "documents"

urlpatterns = [
    # texts
    path("documents/", texts.TemplateListView.as_view(), name="template_list"),
    path("documents/templates/new/", texts.template_create, name="template_create"),
    path("documents/templates/<int:pk>/", texts.TemplateDetailView.as_view(),
         name="template_detail"),
    path("documents/templates/<int:pk>/edit/", texts.template_edit, name="template_edit"),
    path("documents/templates/<int:pk>/preview/<str:language>/", texts.template_preview,
         name="template_preview"),
    path("documents/translations/", texts.QueueView.as_view(), name="queue"),
    path("documents/translations/<int:pk>/", texts.TranslationDetailView.as_view(),
         name="translation_edit"),
    path("documents/translations/<int:pk>/approve/", texts.translation_approve,
         name="translation_approve"),
    path("documents/translations/<int:pk>/comment/", texts.translation_comment,
         name="translation_comment"),
    path("documents/translations/<int:pk>/history/", texts.translation_history,
         name="translation_history"),
    path("documents/exchange/", texts.exchange_page, name="exchange"),
    path("documents/glossary/", texts.GlossaryListView.as_view(), name="glossary_list"),
    path("documents/glossary/new/", texts.glossary_edit, name="glossary_create"),
    path("documents/glossary/<int:pk>/", texts.glossary_edit, name="glossary_edit"),
    # issuing
    path("documents/issue/", issuing.issue, name="issue"),
    path("documents/issued/", issuing.IssuedListView.as_view(), name="issued_list"),
    path("documents/issued/<int:pk>/", issuing.IssuedDetailView.as_view(), name="issued_detail"),
    path("documents/issued/<int:pk>/pdf/", issuing.issued_download, name="issued_download"),
    path("documents/issued/<int:pk>/revoke/", issuing.issued_revoke, name="issued_revoke"),
    path("documents/batches/", issuing.BatchListView.as_view(), name="batch_list"),
    path("documents/batches/new/", issuing.batch_create, name="batch_create"),
    path("documents/batches/<int:pk>/", issuing.BatchDetailView.as_view(), name="batch_detail"),
    path("documents/batches/<int:pk>/progress/", issuing.batch_progress, name="batch_progress"),
    path("documents/batches/<int:pk>/download/", issuing.batch_download,
         name="batch_download"),
    path("documents/batches/<int:pk>/retry/", issuing.batch_retry, name="batch_retry"),
    path("documents/office/", issuing.office_profile, name="office_profile"),
    # print runs
    path("documents/print-runs/", printing.PrintRunListView.as_view(), name="print_run_list"),
    path("documents/print-runs/new/", printing.print_run_create, name="print_run_create"),
    path("documents/print-runs/<int:pk>/", printing.PrintRunDetailView.as_view(),
         name="print_run_detail"),
    path("documents/print-runs/<int:pk>/distribute/", printing.distribution_create,
         name="distribution_create"),
    # proofreading
    path("documents/proofreading/", proofreading.ProofreadListView.as_view(),
         name="proofread_list"),
    path("documents/proofreading/new/", proofreading.proofread_create, name="proofread_create"),
    path("documents/proofreading/<int:pk>/", proofreading.ProofreadDetailView.as_view(),
         name="proofread_detail"),
    path("documents/proofreading/<int:pk>/comment/", proofreading.proofread_comment,
         name="proofread_comment"),
    path("documents/proofreading/<int:pk>/text/", proofreading.proofread_download,
         name="proofread_download"),
    # public
    path("verify/<str:token>/", issuing.verify, name="verify"),
]
