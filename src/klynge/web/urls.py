from django.urls import path

from klynge.web import views

urlpatterns = [
    path("", views.home, name="home"),
]
