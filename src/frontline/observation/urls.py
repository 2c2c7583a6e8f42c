from django.urls import path

from frontline.observation import views

app_name = "observation"

urlpatterns = [
    path("observation/", views.board, name="board"),
    path("observation/list/", views.ObservationListView.as_view(), name="observation_list"),
    path("observation/start/", views.observation_start, name="observation_start"),
    path("observation/arrivals/", views.arrivals_to_observe, name="arrivals_to_observe"),
    path("observation/<int:pk>/", views.observation_detail, name="observation_detail"),
    path("observation/<int:pk>/adjust/", views.observation_adjust, name="observation_adjust"),
    path("observation/<int:pk>/end/", views.observation_end, name="observation_end"),
    path("observation/<int:pk>/transfer/", views.observation_transfer,
         name="observation_transfer"),
    path("observation/<int:pk>/transfer/cancel/", views.observation_transfer_cancel,
         name="observation_transfer_cancel"),
    path("observation/<int:pk>/move/", views.observation_move, name="observation_move"),
    path("observation/<int:pk>/checks/", views.check_add, name="check_add"),
    path("observation/checks/<int:pk>/correct/", views.check_correct, name="check_correct"),
    path("observation/<int:pk>/link/", views.link_create, name="link_create"),
    path("observation/links/<int:pk>/revoke/", views.link_revoke, name="link_revoke"),
    path("observation/hotels/<int:pk>/", views.hotel_detail, name="hotel_detail"),
    path("observation/hotels/<int:pk>/rooms/", views.room_add, name="room_add"),
    path("observation/rooms/<int:pk>/status/", views.room_status, name="room_status"),
    path("observation/checks/", views.check_grid, name="check_grid"),
    path("observation/overdue/", views.overdue, name="overdue"),
    path("observation/due/", views.due, name="due"),
    path("observation/alerts/", views.alerts, name="alerts"),
    path("observation/alerts/<int:pk>/acknowledge/", views.alert_acknowledge,
         name="alert_acknowledge"),
    path("observation/alerts/<int:pk>/close/", views.alert_close, name="alert_close"),
    path("observation/transfers/", views.transfers, name="transfer_list"),
    path("observation/transfers/<int:pk>/accept/", views.transfer_accept,
         name="transfer_accept"),
    path("observation/policies/", views.policies, name="policies"),
    path("observation/purge/", views.purge, name="purge"),
    path("o/<str:secret>/", views.self_report, name="self_report"),
]
