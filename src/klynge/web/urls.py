"""The pages' addresses, in Danish like the pages."""

from django.urls import path

from klynge.web.views import clusters, completion, documents, home, imports, practices, region

urlpatterns = [
    path("", home.home, name="home"),
    # Clusters
    path("klynger/", clusters.cluster_list, name="cluster_list"),
    path("klynger/ny/", clusters.cluster_create, name="cluster_create"),
    path("klynger/<int:pk>/", clusters.cluster_detail, name="cluster_detail"),
    path("klynger/<int:pk>/stamdata/", clusters.cluster_edit, name="cluster_edit"),
    # Practices and memberships
    path("klynger/<int:pk>/praksis/ny/", practices.practice_add, name="practice_add"),
    path(
        "klynger/<int:pk>/medlemskaber/<int:membership_pk>/kapacitet/",
        practices.membership_counts,
        name="membership_counts",
    ),
    path(
        "klynger/<int:pk>/medlemskaber/<int:membership_pk>/kapacitet/gem/",
        practices.capacity_set,
        name="capacity_set",
    ),
    path(
        "klynger/<int:pk>/medlemskaber/<int:membership_pk>/patienter/gem/",
        practices.patients_set,
        name="patients_set",
    ),
    path(
        "klynger/<int:pk>/medlemskaber/<int:membership_pk>/udmeld/",
        practices.membership_end,
        name="membership_end",
    ),
    path(
        "klynger/<int:pk>/medlemskaber/<int:membership_pk>/konsekvens/",
        practices.leaving_preview,
        name="leaving_preview",
    ),
    path(
        "klynger/<int:pk>/medlemskaber/<int:membership_pk>/flyt/",
        practices.membership_move,
        name="membership_move",
    ),
    # Documents
    path("klynger/<int:pk>/dokumenter/upload/", documents.document_upload, name="document_upload"),
    path("dokumenter/<int:document_pk>/hent/", documents.document_download, name="document_download"),
    path("dokumenter/<int:document_pk>/fjern/", documents.document_remove, name="document_remove"),
    # Completion
    path("klynger/<int:pk>/faerdigmeld/", completion.completion, name="completion"),
    path("klynger/<int:pk>/faerdigmeld/bekraeft/", completion.confirm_registered, name="confirm_registered"),
    path("klynger/<int:pk>/faerdigmeld/udfoer/", completion.complete, name="complete"),
    # Regions
    path("regioner/", region.region_list, name="region_list"),
    path("regioner/<str:code>/aendringer/", region.changes, name="changes"),
    path("regioner/<str:code>/indstillinger/", region.region_settings, name="region_settings"),
    # Import
    path("import/", imports.scenario_import, name="scenario_import"),
]
