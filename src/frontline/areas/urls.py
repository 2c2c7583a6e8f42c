from django.urls import path

from frontline.areas import views

app_name = "areas"

urlpatterns = [
    path("jurisdictions/", views.JurisdictionListView.as_view(), name="jurisdiction_list"),
    path("jurisdictions/<str:code>/", views.JurisdictionDetailView.as_view(),
         name="jurisdiction_detail"),
    path("jurisdictions/<str:code>/name/", views.jurisdiction_rename, name="jurisdiction_rename"),
    path("places/", views.PlaceListView.as_view(), name="place_list"),
    path("places/new/", views.place_create, name="place_create"),
    path("places/<int:pk>/", views.PlaceDetailView.as_view(), name="place_detail"),
    path("places/<int:pk>/edit/", views.place_edit, name="place_edit"),
]
