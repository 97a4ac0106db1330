from django.urls import path

from klynge.notices import views

urlpatterns = [
    path("beskeder/", views.notice_list, name="notice_list"),
]
