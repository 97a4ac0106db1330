"""The pages' addresses, in Danish like the pages."""

from django.urls import path

from klynge.web.views import (
    audit,
    bank,
    claims,
    clusters,
    completion,
    documents,
    economy,
    health,
    health_catalogue,
    health_councils,
    health_initiatives,
    health_reports,
    home,
    imports,
    mergers,
    postings,
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
    path("regioner/opret/", region.region_create, name="region_create"),
    path("regioner/sammenlaegninger/", mergers.merger_list, name="merger_list"),
    path("regioner/sammenlaegninger/ny/", mergers.merger_create, name="merger_create"),
    path("regioner/sammenlaegninger/<int:pk>/", mergers.merger_detail, name="merger_detail"),
    path("regioner/sammenlaegninger/<int:pk>/godkend/", mergers.merger_approve, name="merger_approve"),
    path(
        "regioner/sammenlaegninger/<int:pk>/traek-tilbage/", mergers.merger_withdraw, name="merger_withdraw"
    ),
    path("regioner/<str:code>/aendringer/", region.changes, name="changes"),
    path("revisionsspor.csv", audit.audit_export, name="audit_export"),
    path("regioner/<str:code>/indstillinger/", region.region_settings, name="region_settings"),
    # Import
    path("import/", imports.scenario_import, name="scenario_import"),
    # Payout runs
    path("regioner/<str:code>/koersler/", runs.run_list, name="run_list"),
    path("regioner/<str:code>/regnskab/<str:fmt>/", runs.region_journal, name="region_journal"),
    path("koersler/<int:pk>/", runs.run_detail, name="run_detail"),
    path("koersler/<int:pk>/udbetalinger/<int:payout_pk>/", runs.run_payout, name="run_payout"),
    path("koersler/<int:pk>/forklaringer.csv", runs.run_lines_csv, name="run_lines_csv"),
    path("koersler/<int:pk>/godkend/", runs.run_approve, name="run_approve"),
    path("koersler/<int:pk>/frigiv/", runs.run_release, name="run_release"),
    path("koersler/<int:pk>/kasser/", runs.run_discard, name="run_discard"),
    path("koersler/<int:pk>/betalt/", runs.run_paid, name="run_paid"),
    path("koersler/<int:pk>/pain001.xml", runs.run_pain001, name="run_pain001"),
    path("koersler/<int:pk>/betalinger.csv", runs.run_csv, name="run_csv"),
    path("krav/<int:claim_pk>/indbetaling/", runs.claim_repayment, name="claim_repayment"),
    # Claims to the end (#13): status, write-offs, the rules
    path("regioner/<str:code>/krav/", claims.claim_list, name="claim_list"),
    path("krav/<int:claim_pk>/", claims.claim_detail, name="claim_detail"),
    path("krav/<int:claim_pk>/afskriv/", claims.write_off_propose, name="write_off_propose"),
    path("afskrivninger/<int:pk>/godkend/", claims.write_off_approve, name="write_off_approve"),
    path("afskrivninger/<int:pk>/afvis/", claims.write_off_refuse, name="write_off_refuse"),
    path("regler/", claims.rules, name="rules"),
    # Bank files (#13)
    path("regioner/<str:code>/bankfiler/", bank.bank_files, name="bank_files"),
    path("bankfiler/<int:pk>/", bank.bank_import_detail, name="bank_import_detail"),
    path("bankfiler/poster/<int:pk>/match/", bank.bank_entry_match, name="bank_entry_match"),
    path("bankfiler/poster/<int:pk>/afklar/", bank.bank_entry_resolve, name="bank_entry_resolve"),
    # Economy: statements and dashboard
    path("klynger/<int:pk>/oekonomi/", economy.cluster_economy, name="cluster_economy"),
    path("klynger/<int:pk>/oekonomi/excel/", economy.cluster_economy_xlsx, name="cluster_economy_xlsx"),
    path("krav/<int:claim_pk>/brev.pdf", economy.claim_letter_view, name="claim_letter"),
    path("regioner/<str:code>/oversigt/", economy.region_dashboard, name="region_dashboard"),
    path("regioner/<str:code>/oversigt/excel/", economy.region_dashboard_xlsx, name="region_dashboard_xlsx"),
    # Health clusters: secretariat and finance pages
    path("sundhedsklynger/", health.cluster_list, name="health_cluster_list"),
    path("sundhedsklynger/katalog/", health_catalogue.catalogue, name="health_catalogue"),
    path(
        "sundhedsklynger/katalog/<int:pk>/", health_catalogue.catalogue_detail, name="health_catalogue_detail"
    ),
    path("sundhedsklynger/<int:pk>/", health.cluster_detail, name="health_cluster_detail"),
    path("sundhedsklynger/<int:pk>/stamdata/", health.cluster_update, name="health_cluster_update"),
    path("sundhedsklynger/<int:pk>/befolkning/", health.population_set, name="health_population_set"),
    path("sundhedsklynger/<int:pk>/midler/", health.funds_set, name="health_funds_set"),
    path("sundhedsklynger/<int:pk>/midler/fordel/", health.funds_distribute, name="health_funds_distribute"),
    path("sundhedsklynger/<int:pk>/udgifter/import/", health.cost_import, name="health_cost_import"),
    path(
        "sundhedsklynger/<int:pk>/indsatser/",
        health_initiatives.initiative_list,
        name="health_initiative_list",
    ),
    path(
        "sundhedsklynger/<int:pk>/indsatser/ny/",
        health_initiatives.initiative_create,
        name="health_initiative_create",
    ),
    path(
        "sundhedsklynger/<int:pk>/indsatser/<int:initiative_pk>/",
        health_initiatives.initiative_detail,
        name="health_initiative_detail",
    ),
    path(
        "sundhedsklynger/<int:pk>/indsatser/<int:initiative_pk>/ret/",
        health_initiatives.initiative_edit,
        name="health_initiative_edit",
    ),
    path(
        "sundhedsklynger/<int:pk>/indsatser/<int:initiative_pk>/status/",
        health_initiatives.initiative_status,
        name="health_initiative_status",
    ),
    path(
        "sundhedsklynger/<int:pk>/indsatser/<int:initiative_pk>/budget/",
        health_initiatives.budget_line_add,
        name="health_budget_line_add",
    ),
    path(
        "sundhedsklynger/<int:pk>/indsatser/<int:initiative_pk>/budget/<int:line_pk>/fjern/",
        health_initiatives.budget_line_remove,
        name="health_budget_line_remove",
    ),
    path(
        "sundhedsklynger/<int:pk>/indsatser/<int:initiative_pk>/udgifter/",
        health_initiatives.cost_set,
        name="health_cost_set",
    ),
    path(
        "sundhedsklynger/<int:pk>/indsatser/<int:initiative_pk>/evaluering/",
        health_initiatives.evaluation_save,
        name="health_evaluation_save",
    ),
    path(
        "sundhedsklynger/<int:pk>/indsatser/<int:initiative_pk>/spoergsmaal/",
        health_initiatives.question_add,
        name="health_question_add",
    ),
    # Health councils (#11): prepared as a draft, approved by a second person; the executing party
    path(
        "sundhedsklynger/<int:pk>/indsatser/<int:initiative_pk>/udfoerende-part/",
        health_councils.executor_change,
        name="health_executor_change",
    ),
    path(
        "sundhedsklynger/<int:pk>/indsatser/<int:initiative_pk>/aflys/",
        health_initiatives.initiative_cancel,
        name="health_initiative_cancel",
    ),
    path(
        "sundhedsklynger/<int:pk>/indsatser/<int:initiative_pk>/slet/",
        health_initiatives.initiative_delete,
        name="health_initiative_delete",
    ),
    path(
        "sundhedsklynger/<int:pk>/indsatser/<int:initiative_pk>/ssu-beslutning/",
        health_initiatives.ssu_decision,
        name="health_ssu_decision",
    ),
    path(
        "sundhedsklynger/<int:pk>/indsatser/<int:initiative_pk>/katalog/",
        health_initiatives.catalogue_facts,
        name="health_catalogue_facts",
    ),
    path(
        "sundhedsklynger/<int:pk>/indsatser/<int:initiative_pk>/dokumenter/",
        health_initiatives.document_add,
        name="health_document_add",
    ),
    path(
        "sundhedsklynger/<int:pk>/indsatser/<int:initiative_pk>/dokumenter/<int:document_pk>/fjern/",
        health_initiatives.document_remove,
        name="health_document_remove",
    ),
    path("sundhedsklynger/katalog.csv", health_catalogue.catalogue_csv, name="health_catalogue_csv"),
    path(
        "sundhedsklynger/katalog/<int:pk>/ssu-rapport.pdf",
        health_catalogue.catalogue_ssu_report,
        name="health_catalogue_ssu_report",
    ),
    path(
        "sundhedsklynger/katalog/<int:pk>/overtag/",
        health_catalogue.catalogue_adopt,
        name="health_catalogue_adopt",
    ),
    path("sundhedsraad/", health_councils.draft_list, name="health_council_drafts"),
    path("sundhedsraad/ny/", health_councils.draft_create, name="health_council_draft_create"),
    path("sundhedsraad/<int:pk>/", health_councils.draft_detail, name="health_council_draft"),
    path(
        "sundhedsraad/<int:pk>/godkend/", health_councils.draft_approve, name="health_council_draft_approve"
    ),
    path(
        "sundhedsraad/<int:pk>/traek-tilbage/",
        health_councils.draft_withdraw,
        name="health_council_draft_withdraw",
    ),
    path("konteringer/", postings.postings_export, name="postings_export"),
    path("sundhedsklynger/<int:pk>/konteringer.csv", health.postings_csv, name="health_postings_csv"),
    path("sundhedsklynger/<int:pk>/pengestroemme/", health_reports.money_flow, name="health_money_flow"),
    path(
        "sundhedsklynger/<int:pk>/pengestroemme.<str:fmt>",
        health_reports.money_flow_file,
        name="health_money_flow_file",
    ),
    path("sundhedsklynger/<int:pk>/rapporter/", health_reports.reports, name="health_reports"),
    path(
        "sundhedsklynger/<int:pk>/rapporter/aarsrapport-<int:year>.pdf",
        health_reports.annual_report_pdf,
        name="health_annual_report_pdf",
    ),
    path(
        "sundhedsklynger/<int:pk>/indsatser/<int:initiative_pk>/ssu-rapport.pdf",
        health_reports.ssu_report_pdf,
        name="health_ssu_report_pdf",
    ),
    path("sundhedsklynger/<int:pk>/bogfoer/", health_reports.settlement_post, name="health_settlement_post"),
    path(
        "sundhedsklynger/<int:pk>/bogfoer/tilbagefoer/",
        health_reports.settlement_reversal,
        name="health_settlement_reversal",
    ),
    path("sundhedsklynger/<int:pk>/regnskab.<str:fmt>", health_reports.journal, name="health_journal"),
    path("oekonomi/", health.finance, name="health_finance"),
    path(
        "oekonomi/medlemmer/<int:member_pk>/viderefoersel/",
        health.carry_over_confirm,
        name="health_carry_over",
    ),
    path(
        "oekonomi/medlemmer/<int:member_pk>/viderefoersel-sundhedsraad/",
        health.council_carry_over_confirm,
        name="health_council_carry_over",
    ),
    path(
        "oekonomi/viderefoersler/<int:carry_pk>/traek-tilbage/",
        health.carry_over_withdraw,
        name="health_carry_over_withdraw",
    ),
]
