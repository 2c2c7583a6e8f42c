from django.urls import path

from frontline.linguists import views

app_name = "linguists"

urlpatterns = [
    path("linguists/", views.MemberListView.as_view(), name="member_list"),
    path("linguists/members/new/", views.member_create, name="member_create"),
    path("linguists/members/<int:pk>/", views.member_detail, name="member_detail"),
    path("linguists/members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("linguists/members/<int:pk>/<slug:what>/", views.member_add, name="member_add"),
    path("linguists/posts/", views.PostListView.as_view(), name="post_list"),
    path("linguists/posts/new/", views.post_create, name="post_create"),
    path("linguists/needs/", views.NeedListView.as_view(), name="need_list"),
    path("linguists/needs/new/", views.need_create, name="need_create"),
    path("linguists/needs/<int:pk>/", views.need_detail, name="need_detail"),
    path("linguists/needs/<int:pk>/offer/", views.need_offer, name="need_offer"),
    path("linguists/needs/<int:pk>/cancel/", views.need_cancel, name="need_cancel"),
    path("linguists/offers/<int:pk>/<slug:answer>/", views.offer_answer, name="offer_answer"),
    path("linguists/roster/", views.roster, name="roster"),
    path("linguists/roster/export/", views.roster_export, name="roster_export"),
    path("linguists/shifts/<int:pk>/<slug:step>/", views.shift_step, name="shift_step"),
    path("linguists/requests/", views.RequestListView.as_view(), name="request_list"),
    path("linguists/requests/new/", views.request_create, name="request_create"),
    path("linguists/requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("linguists/remote/", views.RemoteListView.as_view(), name="remote_list"),
    path("linguists/remote/new/", views.remote_create, name="remote_create"),
    path("linguists/remote/<int:pk>/", views.remote_detail, name="remote_detail"),
    path("linguists/me/", views.me, name="me"),
    path("linguists/me/offers/<int:pk>/<slug:answer>/", views.me_offer, name="me_offer"),
    path("linguists/me/shifts/<int:pk>/<slug:step>/", views.me_shift, name="me_shift"),
    path("linguists/me/remote/<int:pk>/call/", views.me_call, name="me_call"),
]
