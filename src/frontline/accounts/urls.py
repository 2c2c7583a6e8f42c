from django.contrib.auth import views as auth_views
from django.urls import path

from frontline.accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", views.two_factor, name="two_factor"),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/password/", views.password_change, name="password_change"),
    path("accounts/sessions/end-others/", views.session_end_others, name="session_end_others"),
    path("accounts/sessions/end/", views.session_end, name="session_end"),
    path("accounts/tokens/new/", views.token_create, name="token_create"),
    path("accounts/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/sign-out-everyone/", views.users_sessions_end_all,
         name="users_sessions_end_all"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/active/", views.user_set_active, name="user_set_active"),
    path("users/<int:pk>/password/", views.user_reset_password, name="user_reset_password"),
    path("users/<int:pk>/authenticator/", views.user_reset_authenticator,
         name="user_reset_authenticator"),
    path("users/<int:pk>/tokens/revoke/", views.user_tokens_revoke, name="user_tokens_revoke"),
    path("users/<int:pk>/sessions/end/", views.user_sessions_end, name="user_sessions_end"),
    path("users/roles/<int:pk>/revoke/", views.role_revoke, name="role_revoke"),
]
