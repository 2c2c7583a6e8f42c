from django.urls import path

from frontline.audit import views

app_name = "audit"

urlpatterns = [
    path("audit/", views.ChangeListView.as_view(), name="change_list"),
    path("audit/export.csv", views.change_export, name="change_export"),
    path("audit/access/", views.AccessListView.as_view(), name="access_list"),
]
