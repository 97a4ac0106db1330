"""Lists that grow with the data are paged, and the region's computed figures are kept until the next
recorded change (#12): the cluster list (50 to a page, the search kept), the region overview's
clusters (50 to a page, the region's total on each) and its figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse

from klynge.payouts import runs
from klynge.web.views import clusters as cluster_views
from klynge.web.views import economy as economy_views

D = dt.date


def test_the_cluster_list_is_paged_and_keeps_the_search(
    login: Callable[[Any], Client],
    cluster: Any,
    make_cluster: Callable[..., Any],
    officer: Any,
    monkeypatch: Any,
) -> None:
    make_cluster("Klynge Syd")
    make_cluster("Klynge Vest")
    monkeypatch.setattr(cluster_views, "PAGE", 2)
    client = login(officer)
    first = client.get(reverse("cluster_list"), {"q": "Klynge"}).content.decode()
    assert "3 klynger" in first and "Side 1 af 2" in first
    assert "Klynge Nord" in first and "Klynge Syd" in first and "Klynge Vest" not in first
    assert "?q=Klynge&amp;side=2" in first  # the next page keeps the search
    second = client.get(reverse("cluster_list"), {"q": "Klynge", "side": "2"}).content.decode()
    assert "3 klynger" in second and "Side 2 af 2" in second
    assert "Klynge Vest" in second and "Klynge Nord" not in second
    # htmx asks for the table only, paged the same way.
    table = client.get(
        reverse("cluster_list"), {"q": "Klynge", "side": "2"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "<html" not in table and "Klynge Vest" in table and "Klynge Syd" not in table


def test_the_overview_is_paged_with_the_regions_total_on_each_page(
    login: Callable[[Any], Client], example: Any, region: Any, officer: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(economy_views, "OVERVIEW_PAGE", 1)
    client = login(officer)
    url = reverse("region_dashboard", args=[region.code])
    first, second = client.get(url), client.get(url, {"side": "2"})
    rows = [r.cluster.name for r in first.context["overview"].rows]
    assert len(rows) == 2
    assert [r.cluster.name for r in first.context["overview_rows"]] == rows[:1]
    assert [r.cluster.name for r in second.context["overview_rows"]] == rows[1:]
    assert "Side 2 af 2" in second.content.decode()
    assert first.context["overview"].total == second.context["overview"].total


def test_the_regions_figures_are_kept_until_the_next_recorded_change(
    login: Callable[[Any], Client],
    example: Any,
    region: Any,
    officer: Any,
    approver: Any,
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(economy_views, "today", lambda: D(2019, 2, 15))
    computed = []
    preview = runs.preview

    def counted(*args: Any, **kwargs: Any) -> Any:
        computed.append(1)
        return preview(*args, **kwargs)

    monkeypatch.setattr(runs, "preview", counted)
    client = login(officer)
    url = reverse("region_dashboard", args=[region.code])
    before = client.get(url).context
    assert client.get(url).context["overview"].total == before["overview"].total
    assert len(computed) == 1  # the second view used the kept figures
    assert before["overview"].total.paid == 0 and before["next_run"]["payouts"] > 0
    run = runs.run_prepare(actor=officer, region=region, run_date=D(2019, 2, 15))
    runs.run_approve(actor=approver, run=run)
    runs.run_release(actor=officer, run=run)
    after = client.get(url).context
    assert len(computed) == 2  # the release was recorded: computed again
    assert after["overview"].total.paid == run.total_payouts > 0
    assert after["next_run"]["payouts"] == 0
