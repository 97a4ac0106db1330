"""Filters that explain payout lines in words (see :mod:`klynge.payouts.explain`)."""

from __future__ import annotations

from typing import Any

from django import template

from klynge.payouts import explain as words

register = template.Library()


@register.filter
def explain(line: Any) -> str:
    return words.explain(line)


@register.filter
def rule_name(rule: str) -> str:
    return words.rule_name(rule)


@register.filter
def period(line: Any) -> str:
    return words.period_text(line.period_from, line.period_to)
