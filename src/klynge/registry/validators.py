"""Validation of Danish identifiers and registry input, with messages that name the field and the fix."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import iban as stdnum_iban
from stdnum.dk import cvr as stdnum_cvr
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError

PROVIDER_NUMBER = re.compile(r"^[0-9]{6}$")


def clean_cvr(value: str, *, field: str = "cvr") -> str:
    """A CVR number: 8 digits passing the modulus-11 check (python-stdnum). Spaces are removed."""
    try:
        return str(stdnum_cvr.validate(value))
    except InvalidChecksum as exc:
        raise ValidationError(
            {
                field: _(
                    "CVR-nummer: %(value)s består ikke modulus 11-kontrollen. Tjek nummeret i CVR-registret."
                )
                % {"value": value}
            },
            code="cvr_checksum",
        ) from exc
    except (InvalidLength, InvalidFormat, StdnumError) as exc:
        raise ValidationError(
            {field: _("CVR-nummer: skal være 8 cifre, fx 29403473 (du skrev %(value)s).") % {"value": value}},
            code="cvr_format",
        ) from exc


def clean_provider_number(value: str, *, field: str = "provider_number") -> str:
    cleaned = (value or "").strip().replace(" ", "")
    if not PROVIDER_NUMBER.match(cleaned):
        raise ValidationError(
            {field: _("Ydernummer: skal være 6 cifre, fx 012345 (du skrev %(value)s).") % {"value": value}},
            code="provider_number_format",
        )
    return cleaned


def clean_capacities(value: int, *, field: str = "capacities") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(
            {
                field: _("Lægekapaciteter: skal være et helt tal på mindst 1 (du skrev %(value)s).")
                % {"value": value}
            },
            code="capacities_min",
        )
    if value > 50:
        raise ValidationError(
            {
                field: _("Lægekapaciteter: %(value)s er urealistisk mange for én praksis; højst 50.")
                % {"value": value}
            },
            code="capacities_max",
        )
    return value


def clean_patients(value: int, *, field: str = "group1_patients") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 100_000:
        raise ValidationError(
            {
                field: _(
                    "Gruppe 1-patienter: skal være et helt tal mellem 0 og 100.000 (du skrev %(value)s)."
                )
                % {"value": value}
            },
            code="patients_range",
        )
    return value


def clean_iban(value: str, *, field: str = "payment_iban") -> str:
    """An IBAN passing its check digits (python-stdnum), in compact form."""
    try:
        return str(stdnum_iban.validate(value))
    except StdnumError as exc:
        raise ValidationError(
            {
                field: _(
                    "IBAN: %(value)s er ikke et gyldigt IBAN-nummer; tjek det, fx DK50 0040 0440 1162 43."
                )
                % {"value": value}
            },
            code="iban",
        ) from exc
