from django.urls import path

from frontline.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("knowledge/", views.index, name="index"),
    path("knowledge/search/", views.search, name="search"),
    path("knowledge/notes/new/", views.note_edit, name="note_create"),
    path("knowledge/notes/<int:pk>/", views.note_detail, name="note_detail"),
    path("knowledge/notes/<int:pk>/edit/", views.note_edit, name="note_edit"),
    path("knowledge/note-versions/<int:pk>/review/", views.note_version_review,
         name="note_version_review"),
    path("knowledge/policies/", views.policy_list, name="policy_list"),
    path("knowledge/policies/new/", views.policy_create, name="policy_create"),
    path("knowledge/policies/<int:pk>/", views.policy_detail, name="policy_detail"),
    path("knowledge/policies/<int:pk>/approve/", views.policy_approve, name="policy_approve"),
    path("knowledge/feed/", views.feed, name="feed"),
    path("knowledge/feed.rss", views.ChangeFeed(), name="feed_rss"),
    path("knowledge/faq/", views.faq_list, name="faq_list"),
    path("knowledge/faq/<int:pk>/", views.faq_detail, name="faq_detail"),
    path("knowledge/faq/<int:pk>/edit/", views.faq_edit, name="faq_edit"),
    path("knowledge/faq/<int:pk>/decide/", views.faq_decide, name="faq_decide"),
    path("knowledge/booklets/", views.booklet_list, name="booklet_list"),
    path("knowledge/booklets/<int:pk>/", views.booklet_detail, name="booklet_detail"),
    path("knowledge/booklets/<int:pk>/pdf/", views.booklet_pdf, name="booklet_pdf"),
    path("knowledge/training/", views.TrainingListView.as_view(), name="training_list"),
    path("knowledge/training/new/", views.training_create, name="training_create"),
    path("knowledge/training/<int:pk>/", views.training_detail, name="training_detail"),
]
