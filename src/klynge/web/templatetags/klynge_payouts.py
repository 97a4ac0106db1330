"""Filters that explain payout lines in words (see :mod:`klynge.payouts.explain`), and a claim's or
line's rule as each reader should see it (#13)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from klynge.payouts import explain as words

register = template.Library()


@register.filter
def explain(line: Any) -> str:
    return words.explain(line)


@register.filter
def rule_name(rule: str) -> str:
    return words.rule_name(rule)


@register.filter
def rule_text(rule: str) -> str:
    return words.rule_text(rule)


@register.simple_tag
def rule(code: str, staff: bool = False) -> SafeString:
    """A rule in plain words; for staff (``staff``) followed by its code, which opens the rule's
    sentence on the rules page (its title shows the sentence too)."""
    text = words.rule_text(code)
    if not staff or text == code:
        return format_html("{}", text)
    return format_html(
        '{} (<a href="{}#regel-{}" title="{}"><span class="sr-only">{} </span>{}</a>)',
        text,
        reverse("rules"),
        code,
        words.rule_description(code),
        _("regel"),
        code,
    )


@register.filter
def period(line: Any) -> str:
    return words.period_text(line.period_from, line.period_to)
