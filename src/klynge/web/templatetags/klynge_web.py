"""Template helpers for the DKFDS pages: money, form fields with their labels, hints and errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms, template
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from klynge.common.money import amount_text
from klynge.registry.models import DocumentType
from klynge.web.forms import document_type_name

register = template.Library()


@register.filter
def dkk(value: Decimal | int | str | None, style: str = "") -> str:
    """An amount with the currency in the page's language: ``20000`` → ``20.000,00 kr.`` (English
    ``DKK 20,000.00``); empty stays empty.

    ``dkk:"short"`` leaves out zero øre (``10.000 kr.``), as in a rate.
    """
    if value is None or value == "":
        return ""
    text = amount_text(Decimal(str(value)))
    if style == "short":
        text = text.removesuffix(",00").removesuffix(".00")
    return _("%(amount)s kr.") % {"amount": text}


@register.filter
def local_name(doc_type: DocumentType) -> str:
    """A document type's name in the language of the page (the English name when there is one)."""
    return document_type_name(doc_type)


def _input_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "form-checkbox"
    if isinstance(widget, forms.Select):
        return "form-select"
    if isinstance(widget, forms.FileInput | forms.CheckboxSelectMultiple):
        return ""
    return "form-input"


def _read_only_text(field: forms.Field, value: Any) -> str:
    """A read-only field's value as the page shows it: a date in words, a choice by its label."""
    if value in (None, ""):
        return "–"
    if isinstance(value, dt.date):
        return date_format(value, "DATE_FORMAT")
    choices = dict(getattr(field, "choices", []) or [])
    return str(choices.get(value, value))


@register.inclusion_tag("web/includes/field.html")
def field(bound: forms.BoundField, width: str = "") -> dict[str, Any]:
    """One DKFDS form group: label, hint, error message and the input tied to them by ``aria-describedby``.

    ``width`` is a DKFDS width class suffix (``xs``, ``s``, ``m``, ``l``, ``xl``) for text inputs.
    """
    widget = bound.field.widget
    auto_id = bound.auto_id or bound.html_name
    reason = getattr(bound.form, "read_only", {}).get(bound.name)
    if reason is not None:  # shown as text with why it cannot change (#13)
        return {
            "bound": bound,
            "kind": "readonly",
            "hint_id": f"{auto_id}-hint",
            "reason": reason,
            "text": _read_only_text(bound.field, bound.initial),
        }
    hint_id = f"{auto_id}-hint" if bound.help_text else ""
    error_id = f"{auto_id}-error" if bound.errors else ""
    describedby = " ".join(i for i in (hint_id, error_id) if i)
    attrs: dict[str, Any] = {}
    css = _input_class(widget)
    if css and width and css == "form-input":
        css += f" input-width-{width}"
    if css:
        attrs["class"] = css
    if describedby and not isinstance(widget, forms.CheckboxSelectMultiple):
        attrs["aria-describedby"] = describedby
    if bound.errors:
        attrs["aria-invalid"] = "true"
    kind = "text"
    if isinstance(widget, forms.CheckboxInput):
        kind = "checkbox"
    elif isinstance(widget, forms.CheckboxSelectMultiple):
        kind = "checkboxes"
    elif isinstance(widget, forms.FileInput):
        kind = "file"
    return {
        "bound": bound,
        "kind": kind,
        "hint_id": hint_id,
        "error_id": error_id,
        "describedby": describedby,
        "widget_html": "" if kind == "checkboxes" else bound.as_widget(attrs=attrs),
        "mark_optional": not bound.field.required and getattr(bound.form, "mark_optional", True),
    }


@register.simple_tag
def region_moves(region: Any = None, cluster: Any = None) -> list[Any]:
    """The clusters a merger moved out of ``region``, or ``cluster``'s moves (#11)."""
    from klynge.web.selectors import region_moves as moves

    return moves(region=region, cluster=cluster)


class KeptNode(template.Node):
    def __init__(self, nodelist: template.NodeList, name: str, parts: list[Any]) -> None:
        self.nodelist, self.name, self.parts = nodelist, name, parts

    def render(self, context: template.Context) -> str:
        from klynge.accounts import access
        from klynge.web.kept import kept_key, kept_value

        request = context.get("request")
        scope = access.scope_key(getattr(request, "user", None))
        parts = [part.resolve(context) for part in self.parts]
        key = kept_key(self.name, scope, *parts)
        return str(kept_value(key, lambda: self.nodelist.render(context), lock=(self.name, scope, *parts)))


@register.tag("kept")
def kept_fragment(parser: template.base.Parser, token: template.base.Token) -> KeptNode:
    """``{% kept "name" part ... %}…{% endkept %}``: the fragment as rendered at the same state of the
    data, day and language, for everyone with the same roles and scopes (:mod:`klynge.web.kept`; #12).
    Only for what access alone decides: never a form (CSRF token) or anything of the person."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% kept %} needs a name")
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    name = bits[1].strip("\"'")
    return KeptNode(nodelist, name, [parser.compile_filter(bit) for bit in bits[2:]])
