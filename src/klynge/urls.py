from django.contrib import admin
from django.urls import include, path

from klynge.api.main import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("konto/", include("klynge.web.account_urls")),  # two-factor, security, locks (#10)
    path("konto/", include("django.contrib.auth.urls")),
    path("api/", api.urls),
    path("", include("klynge.notices.urls")),  # the notices page (#13)
    path("", include("klynge.web.urls")),
]

# A 500 shows the request's id, never a traceback; the traceback is logged with the same id (#10).
handler500 = "klynge.web.views.errors.server_error"
