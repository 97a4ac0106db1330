"""#11: ``klynge reorganise FILE --user``, ``--approve N --user`` and ``--due`` (the nightly timer)."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from klynge.payouts import runs
from klynge.payouts.models import RegionMerger
from klynge.registry.models import Region

D = dt.date


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("reorganise", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path: Path, date: str) -> str:
    path = tmp_path / "reform.json"
    path.write_text(
        json.dumps(
            {
                "format": "klynge-reorganise/1",
                "date": date,
                "regions": {"merge": ["1084", "1085"], "into": {"code": "1086", "name": "Region Østdanmark"}},
                "settings": {"from": "1084", "claim_days": 40},
                "note": "Strukturreformen",
            }
        ),
        "utf-8",
    )
    return str(path)


def test_prepare_approve_and_carry_out_on_the_command_line(
    tmp_path: Path, make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    make_user("admin", username="forbereder")
    make_user("admin", username="godkender")
    officer = make_user("region_officer", username="officer-h", region=Region.objects.get(code="1084"))
    out, _err = run(write(tmp_path, "2027-01-01"), "--user", "forbereder")
    merger = RegionMerger.objects.get()
    assert out.splitlines()[0].startswith(f"Sammenlægning nr. {merger.pk} er forberedt som kladde")
    assert merger.note == "Strukturreformen" and merger.region_settings["claim_days"] == 40
    # The preparer cannot approve: one line, exit status 1, in either language.
    with pytest.raises(CommandError) as refused:
        run("--approve", str(merger.pk), "--user", "forbereder")
    assert refused.value.returncode == 1
    assert str(refused.value).startswith("Godkender: du har selv forberedt sammenlægningen")
    with pytest.raises(CommandError, match=r"^Approver: you prepared the merger yourself") as english:
        run("--approve", str(merger.pk), "--user", "forbereder", "--lang", "en")
    assert english.value.returncode == 1
    with pytest.raises(CommandError, match=r"^--approve: der er ingen sammenlægning nr. 999"):
        run("--approve", "999", "--user", "godkender")
    # An open run refuses the approval with its reason.
    draft = runs.run_prepare(actor=officer, region=Region.objects.get(code="1084"), run_date=D(2026, 12, 20))
    with pytest.raises(CommandError, match=r"åben udbetalingskørsel 20\. december 2026") as blocked:
        run("--approve", str(merger.pk), "--user", "godkender")
    assert blocked.value.returncode == 1
    runs.run_discard(actor=officer, run=draft)
    out, _err = run("--approve", str(merger.pk), "--user", "godkender")
    assert "er godkendt; den gennemføres 2027-01-01" in out
    # Before its date nothing is due; the timer's command says so and changes nothing.
    out, _err = run("--due")
    assert out.strip() == "Ingen sammenlægning skal gennemføres."
    assert RegionMerger.objects.get().status == "approved"
    # On its date it is carried out, once.
    RegionMerger.objects.filter(pk=merger.pk).update(effective_on=D(2026, 12, 1))
    with django_capture_on_commit_callbacks(execute=True):
        out, _err = run("--due")
    assert out.strip() == f"Sammenlægning nr. {merger.pk} er gennemført: Region Østdanmark fra 2026-12-01."
    assert Region.objects.get(code="1086").claim_days == 40
    assert Region.objects.get(code="1084").successor == Region.objects.get(code="1086")
    out, _err = run("--due")
    assert out.strip() == "Ingen sammenlægning skal gennemføres."


def test_a_file_with_problems_is_not_prepared(tmp_path: Path, make_user: Any) -> None:
    make_user("admin", username="forbereder")
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            {
                "format": "klynge-reorganise/1",
                "date": "2027-01-01",
                "regions": {"merge": ["1084", "1085"], "into": {"code": "1086", "name": "Region Østdanmark"}},
                "settings": {"from": "1081", "annual_regulation": "keep"},
            }
        ),
        "utf-8",
    )
    with pytest.raises(CommandError, match=r"^Filen er afvist\. 2 problemer") as caught:
        out, err = StringIO(), StringIO()
        call_command("reorganise", str(path), "--user", "forbereder", stdout=out, stderr=err)
    assert caught.value.returncode == 1
    assert "settings.from: Skal være koden på en af regionerne" in err.getvalue()
    assert 'settings.annual_regulation: Skriv "net"' in err.getvalue()
    assert not RegionMerger.objects.exists()
    with pytest.raises(CommandError, match=r"^--user: der er ingen aktiv bruger nogen"):
        run(write(tmp_path, "2027-01-01"), "--user", "nogen")


def test_a_refused_merger_due_does_not_stop_the_others(tmp_path: Path, make_user: Any) -> None:
    """The nightly ``--due``: a merger refused on its day (here: an open run) stays approved with its
    reason on standard error; the next one is still carried out; the exit status is 1."""
    from klynge.payouts import mergers, reorganise

    first, second = make_user("admin", username="forbereder"), make_user("admin", username="godkender")
    officer = make_user("region_officer", username="officer-h", region=Region.objects.get(code="1084"))
    made = []
    for merge, code in ((["1084", "1085"], "1086"), (["1081", "1082"], "1087")):
        document, problems = reorganise.check_document(
            {
                "format": "klynge-reorganise/1",
                "date": "2027-01-01",
                "regions": {"merge": merge, "into": {"code": code, "name": f"Region {code}"}},
            }
        )
        assert problems == [] and document is not None
        made.append(
            mergers.merger_approve(
                actor=second, merger=mergers.merger_prepare(actor=first, document=document)
            )
        )
    RegionMerger.objects.update(effective_on=D(2026, 12, 1))
    runs.run_prepare(actor=officer, region=Region.objects.get(code="1084"), run_date=D(2026, 11, 20))
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match=r"^1 sammenlægning\(er\) kunne ikke gennemføres") as failed:
        call_command("reorganise", "--due", stdout=out, stderr=err)
    assert failed.value.returncode == 1
    assert f"{made[0].pk}: " in err.getvalue() and "åben udbetalingskørsel" in err.getvalue()
    assert f"Sammenlægning nr. {made[1].pk} er gennemført" in out.getvalue()
    statuses = dict(RegionMerger.objects.values_list("pk", "status"))
    assert statuses == {made[0].pk: "approved", made[1].pk: "carried_out"}
