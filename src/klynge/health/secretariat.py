"""The health-cluster secretariat's work around an initiative (#13): cancel it or delete a draft with a
reason, record the SSU's decision with the meeting's date, keep what the catalogue shows (contact
person, number of participants, documents), and adopt another cluster's catalogued initiative as a new
idea with a link back.

Like :mod:`klynge.health.services`: one keyword-only function per change, atomic, checked and audited;
errors are ``ValidationError`` dicts of field → Danish messages naming the field and the fix.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.accounts.access import Action, require_health, require_ssu_decision
from klynge.audit.log import snapshot
from klynge.common.dates import long_date, window
from klynge.health.models import (
    EvaluationQuestion,
    HealthCluster,
    HealthMember,
    Initiative,
    InitiativeDocument,
    InitiativeParty,
    SsuDecision,
)
from klynge.health.services import _audit, _parties_snapshot, _refuse

CANCELLABLE = (Initiative.Status.IDEA, Initiative.Status.APPROVED, Initiative.Status.RUNNING)
CATALOGUED = (Initiative.Status.EVALUATED, Initiative.Status.REPORTED)
MAX_PARTICIPANTS = 10_000_000


def _reason(reason: str, field: str = "reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise _refuse(field, _("Begrundelse: skriv hvorfor, så det fremgår af historikken."))
    return text[:2000]


# --- Cancel and delete ----------------------------------------------------------------------------


@transaction.atomic
def initiative_cancel(*, actor: Any, initiative: Initiative, reason: str) -> Initiative:
    """Cancel an idea, an approved or a running initiative: it stays with its history (parties,
    budget, costs, decisions) as "cancelled", with who, when and why. Its costs already recorded stay
    in the settlement; late costs of the year it stopped may still be recorded if it was approved
    (:func:`klynge.health.services.cost_years_open`)."""
    require_health(actor, Action.EDIT, initiative.cluster)
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    if initiative.status == Initiative.Status.CANCELLED:
        raise _refuse("status", _("Status: indsatsen er allerede aflyst."))
    if initiative.status not in CANCELLABLE:
        raise _refuse(
            "status",
            _(
                "Status: en indsats, der er %(status)s, er gennemført og kan ikke aflyses; evaluér og "
                "afrapportér den i stedet."
            )
            % {"status": initiative.get_status_display().lower()},
        )
    text = _reason(reason)
    fields = ["status", "cancelled_at", "cancelled_by", "cancel_reason"]
    before = snapshot(initiative, fields)
    initiative.status = Initiative.Status.CANCELLED
    initiative.cancelled_at = timezone.now()
    initiative.cancelled_by = actor
    initiative.cancel_reason = text
    initiative.save(update_fields=fields)
    _audit(
        actor,
        "initiative.cancel",
        _("Indsatsen %(title)s er aflyst: %(reason)s") % {"title": initiative.title, "reason": text},
        initiative,
        before,
        snapshot(initiative, fields),
    )
    return initiative


def delete_refusal(initiative: Initiative) -> str | None:
    """Why ``initiative`` cannot be deleted (None: it can). Only an idea that was never approved and
    has no actual costs is a draft that may go; anything else is cancelled, so its history stays."""
    if initiative.status != Initiative.Status.IDEA or initiative.approved_on is not None:
        return _(
            "Slet: indsatsen har været godkendt, så den slettes ikke; aflys den i stedet med en "
            "begrundelse, så dens historik bliver."
        )
    if initiative.costs.exists():
        return _(
            "Slet: der er registreret faktiske udgifter på indsatsen; aflys den i stedet med en begrundelse."
        )
    if initiative.adoptions.exists() or hasattr(initiative, "continued_by"):
        return _("Slet: andre indsatser bygger på denne; aflys den i stedet med en begrundelse.")
    return None


@transaction.atomic
def initiative_delete(*, actor: Any, initiative: Initiative, reason: str) -> dict[str, Any]:
    """Delete an idea that never got approved, with a reason. The audit record keeps the reason and
    all that was deleted (the initiative, its parties, budget lines, questions, SSU decisions and
    documents), so nothing is lost from the trail. Returns that record's content."""
    require_health(actor, Action.EDIT, initiative.cluster)
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    refusal = delete_refusal(initiative)
    if refusal is not None:
        raise _refuse("status", refusal)
    text = _reason(reason)
    deleted = {
        **(snapshot(initiative) or {}),
        "parties": _parties_snapshot(initiative),
        "budget_lines": [snapshot(line) for line in initiative.budget_lines.all()],
        "questions": [snapshot(q) for q in initiative.questions.all()],
        "ssu_decisions": [snapshot(d) for d in initiative.ssu_decisions.all()],
        "documents": [snapshot(d) for d in initiative.documents.all()],
        "reason": text,
    }
    _audit(
        actor,
        "initiative.delete",
        _("Idéen %(title)s er slettet: %(reason)s") % {"title": initiative.title, "reason": text},
        initiative,
        deleted,
        {"deleted": True, "reason": text},
    )
    initiative.delete()
    return deleted


# --- The SSU's decision ---------------------------------------------------------------------------


@transaction.atomic
def ssu_decision_record(
    *, actor: Any, initiative: Initiative, decision: str, meeting_date: dt.date | None, note: str = ""
) -> SsuDecision:
    """Record the SSU's decision at a meeting: approved, rejected (with the reason in the note) or
    noted. An idea the SSU approves becomes approved (approved on the meeting's date), in the same
    transaction; a rejected idea stays an idea for the secretariat to change or delete; a noted
    decision (typically on a report) changes no status."""
    require_ssu_decision(actor, initiative.cluster)
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    errors: dict[str, list[str]] = {}
    if decision not in SsuDecision.Decision.values:
        errors["decision"] = [_("Beslutning: vælg godkendt, afvist eller taget til efterretning.")]
    span = window()
    if meeting_date is None:
        errors["meeting_date"] = [_("Mødedato: skriv datoen for SSU-mødet, fx 12.03.2025.")]
    elif meeting_date > timezone.localdate():
        errors["meeting_date"] = [
            _("Mødedato: mødet skal have fundet sted; registrér beslutningen efter mødet.")
        ]
    elif not span.first <= meeting_date <= span.last:
        errors["meeting_date"] = [
            _("Mødedato: skriv en dato efter %(first)s.") % {"first": long_date(span.first)}
        ]
    elif initiative.ssu_decisions.filter(meeting_date=meeting_date).exists():
        errors["meeting_date"] = [
            _(
                "Mødedato: der er allerede registreret en beslutning fra mødet den %(date)s; vælg en anden dato."
            )
            % {"date": long_date(meeting_date)}
        ]
    note = (note or "").strip()
    if decision == SsuDecision.Decision.REJECTED and not note:
        errors["note"] = [_("Bemærkning: skriv SSU's begrundelse for afvisningen.")]
    if initiative.status == Initiative.Status.CANCELLED:
        errors["decision"] = [_("Beslutning: indsatsen er aflyst; der registreres ikke flere beslutninger.")]
    if errors:
        raise ValidationError(errors)
    assert meeting_date is not None
    obj = SsuDecision.objects.create(
        initiative=initiative,
        decision=decision,
        meeting_date=meeting_date,
        note=note[:4000],
        recorded_by=actor,
    )
    _audit(
        actor,
        "initiative.ssu_decision",
        _("SSU's beslutning om %(title)s den %(date)s: %(decision)s")
        % {
            "title": initiative.title,
            "date": long_date(meeting_date),
            "decision": obj.get_decision_display(),
        },
        obj,
        after=snapshot(obj),
    )
    if decision == SsuDecision.Decision.APPROVED and initiative.status == Initiative.Status.IDEA:
        fields = ["status", "approved_on"]
        before = snapshot(initiative, fields)
        initiative.status = Initiative.Status.APPROVED
        initiative.approved_on = initiative.approved_on or meeting_date
        initiative.save(update_fields=fields)
        _audit(
            actor,
            "initiative.status",
            _("Indsatsen %(title)s: %(status)s")
            % {"title": initiative.title, "status": initiative.get_status_display()},
            initiative,
            before,
            snapshot(initiative, fields),
        )
    return obj


def latest_decision(initiative: Initiative) -> SsuDecision | None:
    return initiative.ssu_decisions.order_by("-meeting_date", "-id").first()


# --- What the catalogue shows ---------------------------------------------------------------------


@transaction.atomic
def catalogue_facts_set(
    *,
    actor: Any,
    initiative: Initiative,
    contact_name: str = "",
    contact_email: str = "",
    participants: Any = None,
) -> Initiative:
    """The contact person another cluster asks, and the number of participants (citizens or patients
    who took part) that the cost per participant is computed from (empty: cost per citizen)."""
    require_health(actor, Action.EDIT, initiative.cluster)
    errors: dict[str, list[str]] = {}
    email = (contact_email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["contact_email"] = [
                _("Kontaktpersonens e-mail: skriv en gyldig e-mailadresse, fx navn@kommune.dk.")
            ]
    count: int | None = None
    if participants not in (None, ""):
        try:
            count = int(str(participants).strip())
        except ValueError:
            count = -1
        if not 1 <= count <= MAX_PARTICIPANTS:
            errors["participants"] = [
                _("Antal deltagere: skriv et helt tal større end 0, eller lad feltet stå tomt.")
            ]
    if email and not (contact_name or "").strip():
        errors["contact_name"] = [_("Kontaktperson: skriv navnet på den, e-mailadressen tilhører.")]
    if errors:
        raise ValidationError(errors)
    fields = ["contact_name", "contact_email", "participants"]
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    before = snapshot(initiative, fields)
    initiative.contact_name = (contact_name or "").strip()[:200]
    initiative.contact_email = email
    initiative.participants = count
    initiative.save(update_fields=fields)
    _audit(
        actor,
        "initiative.catalogue",
        _("Kontaktperson og deltagere for %(title)s gemt") % {"title": initiative.title},
        initiative,
        before,
        snapshot(initiative, fields),
    )
    return initiative


@transaction.atomic
def document_add(*, actor: Any, initiative: Initiative, title: str, url: str) -> InitiativeDocument:
    """A document about the initiative: its title and the address where the cluster keeps it."""
    require_health(actor, Action.EDIT, initiative.cluster)
    errors: dict[str, list[str]] = {}
    if not (title or "").strip():
        errors["title"] = [_("Titel: skriv dokumentets titel.")]
    address = (url or "").strip()
    try:
        URLValidator(schemes=["https", "http"])(address)
    except ValidationError:
        errors["url"] = [
            _("Adresse: skriv dokumentets fulde adresse, fx https://www.kommune.dk/rapport.pdf.")
        ]
    if errors:
        raise ValidationError(errors)
    doc = InitiativeDocument.objects.create(
        initiative=initiative, title=title.strip()[:200], url=address[:500], added_by=actor
    )
    _audit(
        actor,
        "initiative.document",
        _("Dokument %(title)s tilføjet %(initiative)s")
        % {"title": doc.title, "initiative": initiative.title},
        doc,
        after=snapshot(doc),
    )
    return doc


@transaction.atomic
def document_remove(*, actor: Any, document: InitiativeDocument) -> None:
    require_health(actor, Action.EDIT, document.initiative.cluster)
    _audit(
        actor,
        "initiative.document_remove",
        _("Dokument %(title)s fjernet") % {"title": document.title},
        document,
        snapshot(document),
    )
    document.delete()


# --- Adopt another cluster's initiative -----------------------------------------------------------


def adoption_start(today: dt.date) -> dt.date:
    return dt.date(today.year + 1, 1, 1)


@transaction.atomic
def initiative_adopt(*, actor: Any, source: Initiative, cluster: HealthCluster) -> Initiative:
    """Copy a catalogued initiative of another cluster as a new idea in ``cluster`` (``adopted_from``
    links back).

    What is copied and why (a fair start the secretariat then adjusts): title, theme, challenge,
    function and key; the evaluation plan's questions (without answers, which are the other
    cluster's); the original's length, starting 1 January next year. The parties are ``cluster``'s
    own: every member pays, and the members of the kinds that executed the original (the region,
    the municipalities) execute. A fixed-percentage key becomes a key by population, as the other
    cluster's percentages mean nothing here. Budget lines and costs are not copied (other people,
    other rates)."""
    require_health(actor, Action.EDIT, cluster)
    source = Initiative.objects.select_related("cluster").get(pk=source.pk)
    if source.status not in CATALOGUED:
        raise _refuse("source", _("Indsats: kun evaluerede indsatser i kataloget kan overtages."))
    if source.cluster_id == cluster.pk:
        raise _refuse(
            "cluster",
            _("Sundhedsklynge: indsatsen er jeres egen; vælg en indsats fra en anden klynge."),
        )
    if cluster.valid_to is not None and cluster.valid_to < timezone.localdate():
        raise _refuse(
            "cluster", _("Sundhedsklynge: klyngen er nedlagt; overtag indsatsen i dens efterfølger.")
        )
    members = list(cluster.members.all())
    kinds = set(
        InitiativeParty.objects.filter(initiative=source, executes=True).values_list(
            "member__kind", flat=True
        )
    )
    executing = [m for m in members if m.kind in kinds] or [
        m for m in members if m.kind == HealthMember.Kind.REGION
    ]
    if not members or not executing:
        raise _refuse("cluster", _("Sundhedsklynge: klyngen har ingen medlemmer; opret medlemmerne først."))
    start = adoption_start(timezone.localdate())
    length = source.ends_on - source.starts_on
    new = Initiative.objects.create(
        cluster=cluster,
        title=source.title,
        theme=source.theme,
        challenge=source.challenge,
        function=source.function,
        key_type=Initiative.KeyType.POPULATION
        if source.key_type == Initiative.KeyType.PERCENT
        else source.key_type,
        starts_on=start,
        ends_on=start + length,
        adopted_from=source,
    )
    InitiativeParty.objects.bulk_create(
        InitiativeParty(initiative=new, member=m, executes=m in executing, pays=True) for m in members
    )
    EvaluationQuestion.objects.bulk_create(
        EvaluationQuestion(
            initiative=new, standard=q.standard, question=q.question, added_by=q.added_by, position=q.position
        )
        for q in source.questions.all()
    )
    if new.challenge:
        EvaluationQuestion.objects.filter(initiative=new, standard="challenge").update(answer=new.challenge)
    _audit(
        actor,
        "initiative.adopt",
        _("Indsatsen %(title)s er overtaget fra %(cluster)s som idé")
        % {"title": source.title, "cluster": source.cluster.name},
        new,
        None,
        {**(snapshot(new) or {}), "parties": _parties_snapshot(new), "adopted_from": source.pk},
    )
    return new
