from django.urls import path

from frontline.portal import views

app_name = "portal"

urlpatterns = [
    path("portal/", views.root, name="root"),
    path("portal/<str:lang>/", views.home, name="home"),
    path("portal/<str:lang>/privacy/", views.privacy, name="privacy"),
    path("portal/<str:lang>/register/", views.register, name="register"),
    path("portal/<str:lang>/r/<str:token>/", views.pass_page, name="pass"),
    path("portal/<str:lang>/r/<str:token>/edit/", views.edit, name="edit"),
    path("portal/<str:lang>/r/<str:token>/companion/", views.register, name="companion"),
]
