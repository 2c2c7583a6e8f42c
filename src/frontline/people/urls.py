from django.urls import path

from frontline.people import views

app_name = "people"

urlpatterns = [
    path("people/", views.PersonListView.as_view(), name="person_list"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/request/<str:kind>/", views.person_request, name="person_request"),
    path("people/<int:pk>/documents/", views.document_add, name="document_add"),
    path("people/<int:pk>/travel/", views.travel_add, name="travel_add"),
    path("people/<int:pk>/stays/", views.stay_add, name="stay_add"),
    path("people/documents/<int:pk>/reveal/", views.document_reveal, name="document_reveal"),
    path("people/stays/<int:pk>/check-out/", views.stay_check_out, name="stay_check_out"),
    path("people/hotels/<int:pk>/lodgers/", views.lodgers, name="lodgers"),
    path("people/risk-countries/", views.RiskCountryListView.as_view(), name="risk_list"),
    path("people/risk-countries/new/", views.risk_create, name="risk_create"),
    path("people/risk-countries/<int:pk>/", views.risk_edit, name="risk_edit"),
    path("people/duplicates/", views.DuplicateListView.as_view(), name="duplicate_list"),
    path("people/duplicates/<int:pk>/", views.duplicate_decide, name="duplicate_decide"),
]

try:  # the import and export pages live in their own module
    from frontline.people.import_views import import_urlpatterns
except ImportError:  # pragma: no cover - while that module is being written
    import_urlpatterns = []
urlpatterns += import_urlpatterns
