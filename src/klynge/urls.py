from django.contrib import admin
from django.urls import include, path

from klynge.api.main import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("konto/", include("django.contrib.auth.urls")),
    path("api/", api.urls),
    path("", include("klynge.web.urls")),
]
