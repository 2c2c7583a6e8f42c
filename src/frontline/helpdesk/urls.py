from django.urls import path

from frontline.helpdesk import views

app_name = "helpdesk"

urlpatterns = [
    path("helpdesk/", views.QuestionListView.as_view(), name="question_list"),
    path("helpdesk/ask/", views.question_ask, name="question_ask"),
    path("helpdesk/faq-suggestions/", views.faq_suggest, name="faq_suggest"),
    path("helpdesk/questions/<int:pk>/", views.question_detail, name="question_detail"),
    path("helpdesk/questions/<int:pk>/close/", views.question_close, name="question_close"),
    path("helpdesk/questions/<int:pk>/attachments/<int:attachment_id>/",
         views.attachment_download, name="attachment_download"),
    path("helpdesk/questions/<int:pk>/replies/<int:reply_id>/promote/", views.reply_promote,
         name="reply_promote"),
    path("helpdesk/duty/", views.DutyListView.as_view(), name="duty_list"),
    path("helpdesk/duty/new/", views.duty_create, name="duty_create"),
]
