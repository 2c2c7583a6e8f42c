from django.urls import path

from frontline.reports import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.board, name="board"),
    path("reports/submissions/<int:pk>/", views.submission, name="submission"),
    path("reports/dashboard/", views.dashboard, name="dashboard"),
    path("reports/bulletins/", views.bulletin_list, name="bulletins"),
    path("reports/bulletins/<int:pk>/<str:kind>/", views.bulletin_download,
         name="bulletin_download"),
    path("reports/meetings/", views.meeting_list, name="meetings"),
    path("reports/meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("reports/action-items/<int:pk>/done/", views.item_done, name="item_done"),
]
