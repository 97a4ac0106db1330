"""#13: the officers' "cluster completed" mail links the cluster's page at the configured site address
(it linked /region/klynger/<id>/, a 404) and writes the date in the reader's language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core import mail
from django.test import Client
from django.urls import reverse

from klynge.registry.notifications import send_completed


def test_the_completion_mail_links_the_clusters_page_at_the_site_address(
    cluster: Any, officer: Any, settings: Any
) -> None:
    settings.SITE_URL = "https://klynge.example.dk"
    officer.email = "officer@example.dk"
    officer.save()
    cluster.status, cluster.completed_on = "completed", dt.date(2026, 3, 2)
    cluster.save()
    mail.outbox.clear()
    send_completed(cluster)
    [message] = mail.outbox
    link = f"https://klynge.example.dk{reverse('cluster_detail', args=[cluster.pk])}"
    assert link in message.body and "/region/" not in message.body
    assert "blev færdigmeldt 2. marts 2026" in message.body
    client = Client()
    client.force_login(officer)
    assert client.get(link.removeprefix("https://klynge.example.dk")).status_code == 200
