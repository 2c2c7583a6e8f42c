from django.urls import path

from frontline.incidents import views

app_name = "incidents"

urlpatterns = [
    path("incidents/", views.dashboard, name="dashboard"),
    path("incidents/new/", views.incident_open, name="incident_open"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident_detail"),
    path("incidents/<int:pk>/notes/", views.note_add, name="note_add"),
    path("incidents/<int:pk>/people/", views.person_link, name="person_link"),
    path("incidents/<int:pk>/liaison/", views.liaison_add, name="liaison_add"),
    path("incidents/<int:pk>/close/", views.incident_close, name="incident_close"),
    path("incidents/<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("incidents/<int:pk>/reports/", views.report_draft, name="report_draft"),
    path("incidents/steps/<int:pk>/", views.step_complete, name="step_complete"),
    path("incidents/reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("incidents/reports/<int:pk>/pdf/", views.report_pdf, name="report_pdf"),
    path("incidents/opinion/", views.opinion, name="opinion"),
    path("incidents/plans/", views.plans, name="plans"),
    path("incidents/directory/", views.directory, name="directory"),
]
