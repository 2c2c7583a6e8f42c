from django.urls import path

from frontline.arrivals import views

app_name = "arrivals"

urlpatterns = [
    path("arrivals/", views.ArrivalListView.as_view(), name="arrival_list"),
    path("arrivals/desk/", views.desk, name="desk"),
    path("arrivals/desk/scan/", views.desk_scan, name="desk_scan"),
    path("arrivals/form/", views.arrival_print, name="blank_form"),
    path("arrivals/<int:pk>/", views.arrival_detail, name="arrival_detail"),
    path("arrivals/<int:pk>/print/", views.arrival_print, name="arrival_print"),
    path("arrivals/<int:pk>/cancel/", views.arrival_cancel, name="arrival_cancel"),
    path("arrivals/<int:pk>/check-in-party/", views.arrival_check_in_party,
         name="arrival_check_in_party"),
    path("arrivals/<int:pk>/notice/", views.arrival_notice, name="arrival_notice"),
    path("arrivals/<int:pk>/notices/<int:document_id>/", views.arrival_notice_download,
         name="arrival_notice_download"),
    path("arrivals/rules/", views.RuleListView.as_view(), name="rule_list"),
    path("arrivals/rules/new/", views.rule_edit, name="rule_create"),
    path("arrivals/rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("arrivals/batches/", views.BatchListView.as_view(), name="batch_list"),
    path("arrivals/batches/new/", views.batch_new, name="batch_new"),
    path("arrivals/batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("arrivals/batches/<int:pk>/manifest/", views.batch_manifest, name="batch_manifest"),
    path("arrivals/board/", views.board, name="board"),
    path("arrivals/board/counts/", views.board_counts, name="board_counts"),
    path("arrivals/lists/", views.ImportListView.as_view(), name="import_list"),
    path("arrivals/lists/new/", views.import_upload, name="import_upload"),
    path("arrivals/lists/<int:pk>/", views.import_detail, name="import_detail"),
    path("arrivals/reference/", views.reference, name="reference"),
    path("arrivals/reference/new/", views.reference_edit, name="reference_create"),
    path("arrivals/reference/<int:pk>/", views.reference_edit, name="reference_edit"),
]
