"""The product's date formats per language (``FORMAT_MODULE_PATH``), issue #13.

One human date in the active language everywhere: ``{{ day|date }}`` (``DATE_FORMAT``) in a template
and :func:`klynge.common.dates.long_date` in Python give the same text, "1. juni 2019" in Danish and
"1 June 2019" in English; ``SHORT_DATE_FORMAT`` is the short one for tables ("1. juni 2019" →
"1. jun. 2019", "1 Jun 2019"). Month names are always written, never a number, so no English page
shows "09/12/2018" (9 December or 12 September?) and no Danish page an English month.
"""
