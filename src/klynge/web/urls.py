"""The pages' addresses, in Danish like the pages."""

from django.urls import path

from klynge.web.views import (
    clusters,
    completion,
    documents,
    economy,
    home,
    imports,
    practices,
    region,
    runs,
)

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
    # Payout runs
    path("regioner/<str:code>/koersler/", runs.run_list, name="run_list"),
    path("regioner/<str:code>/regnskab/<str:fmt>/", runs.region_journal, name="region_journal"),
    path("koersler/<int:pk>/", runs.run_detail, name="run_detail"),
    path("koersler/<int:pk>/godkend/", runs.run_approve, name="run_approve"),
    path("koersler/<int:pk>/frigiv/", runs.run_release, name="run_release"),
    path("koersler/<int:pk>/kasser/", runs.run_discard, name="run_discard"),
    path("koersler/<int:pk>/betalt/", runs.run_paid, name="run_paid"),
    path("koersler/<int:pk>/pain001.xml", runs.run_pain001, name="run_pain001"),
    path("koersler/<int:pk>/betalinger.csv", runs.run_csv, name="run_csv"),
    path("krav/<int:claim_pk>/indbetaling/", runs.claim_repayment, name="claim_repayment"),
    # Economy: statements and dashboard
    path("klynger/<int:pk>/oekonomi/", economy.cluster_economy, name="cluster_economy"),
    path("klynger/<int:pk>/oekonomi/excel/", economy.cluster_economy_xlsx, name="cluster_economy_xlsx"),
    path("krav/<int:claim_pk>/brev.pdf", economy.claim_letter_view, name="claim_letter"),
    path("regioner/<str:code>/oversigt/", economy.region_dashboard, name="region_dashboard"),
    path("regioner/<str:code>/oversigt/excel/", economy.region_dashboard_xlsx, name="region_dashboard_xlsx"),
]
