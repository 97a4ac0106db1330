"""#11: when a health council takes over, the people it changes things for are told by e-mail: each
member organisation's finance officers (their unused funds of the last year move into the council
only when they confirm it, on the Økonomi page) and the predecessors' secretariat (who now also
work in the council)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from klynge.accounts.models import Role, RoleAssignment
from klynge.common.dates import long_date
from klynge.health.models import CouncilDraft


def send_council_created(draft_pk: int) -> int:
    """Mail the finance officers of the council's member organisations and the predecessors'
    secretariat; the number of mails sent (one per person)."""
    draft = CouncilDraft.objects.select_related("council").get(pk=draft_pk)
    council = draft.council
    if council is None:
        return 0
    predecessors = list(council.predecessors.order_by("name"))
    old = [c.name for c in predecessors]
    codes = {m.code for m in council.members.all()}
    finance = (
        RoleAssignment.objects.filter(role=Role.FINANCE_OFFICER, organisation_code__in=codes)
        .exclude(user__email="")
        .select_related("user")
    )
    secretariat = (
        RoleAssignment.objects.filter(role=Role.HEALTH_SECRETARIAT, health_cluster__in=predecessors)
        .exclude(user__email="")
        .select_related("user")
    )
    sent = 0
    with translation.override("da"):
        day = long_date(council.valid_from) if council.valid_from else ""
        opening = _("%(council)s afløser %(old)s fra %(day)s.") % {
            "council": council.name,
            "old": " og ".join(old) or _("sundhedsklyngen"),
            "day": day,
        }
        people: dict[int, tuple[str, list[str]]] = {}
        for assignment in finance:
            people.setdefault(assignment.user.pk, (assignment.user.email, []))[1].append(
                _(
                    "Jeres uforbrugte midler fra %(year)s flytter kun til sundhedsrådet, når I har bekræftet "
                    "overførslen. Bekræft den på siden Økonomi: %(url)s"
                )
                % {
                    "year": council.valid_from.year - 1 if council.valid_from else "",
                    "url": settings.SITE_URL + reverse("health_finance"),
                }
            )
        for assignment in secretariat:
            people.setdefault(assignment.user.pk, (assignment.user.email, []))[1].append(
                _(
                    "Igangværende indsatser fortsætter i sundhedsrådet; de afsluttede bliver i "
                    "sundhedsklyngens historik. Se sundhedsrådet: %(url)s"
                )
                % {"url": settings.SITE_URL + reverse("health_cluster_detail", args=[council.pk])}
            )
        for email, lines in people.values():
            EmailMessage(
                _("%(council)s afløser sundhedsklyngen fra %(day)s") % {"council": council.name, "day": day},
                "\n\n".join([opening, *lines]) + "\n",
                settings.DEFAULT_FROM_EMAIL,
                [email],
            ).send()
            sent += 1
    return sent
