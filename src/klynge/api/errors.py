"""One error format for every refusal: ``422 {"errors": [{"field", "message"}]}``, ``403``/``404``/``401``.

Messages are Danish (the source language) and translated to English by gettext when the request asks
for it (``Accept-Language: en``). A service's ``ValidationError`` keeps its own message; a request the
schema refuses (a date that is not a date, a number sent as text, malformed JSON) gets a message
written here that names the field and says what is expected.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, RequestDataTooBig, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaError
from ninja.parser import Parser

from klynge.common.sizes import size_and_limit

if TYPE_CHECKING:
    from ninja import NinjaAPI

BODY = "body"

# Danish names of the request fields, as the services' own messages name them.
FIELD_LABELS: dict[str, Promise] = {
    BODY: gettext_lazy("Forespørgslens indhold"),
    "all_practices_registered": gettext_lazy("Alle praksis registreret"),
    "capacities": gettext_lazy("Lægekapaciteter"),
    "capacities_from": gettext_lazy("Kapaciteter gælder fra"),
    "cluster": gettext_lazy("Klynge"),
    "coordinator_email": gettext_lazy("Koordinatorens e-mail"),
    "coordinator_name": gettext_lazy("Koordinatorens navn"),
    "count": gettext_lazy("Antal"),
    "cvr": gettext_lazy("CVR-nummer"),
    "document_type": gettext_lazy("Dokumenttype"),
    "external_id": gettext_lazy("Eksternt id"),
    "file": gettext_lazy("Fil"),
    "founded_on": gettext_lazy("Dato for stiftende generalforsamling"),
    "group1_patients": gettext_lazy("Gruppe 1-patienter"),
    "include_removed": gettext_lazy("Vis fjernede"),
    "joined": gettext_lazy("Indtrådt"),
    "left": gettext_lazy("Udtrådt"),
    "limit": gettext_lazy("Antal pr. side"),
    "name": gettext_lazy("Navn"),
    "nemkonto_confirmed_on": gettext_lazy("NemKonto bekræftet"),
    "offset": gettext_lazy("Forskydning"),
    "on": gettext_lazy("Dato for flytning"),
    "provider_number": gettext_lazy("Ydernummer"),
    "q": gettext_lazy("Søgning"),
    "region": gettext_lazy("Region"),
    "status": gettext_lazy("Status"),
    "to_cluster": gettext_lazy("Ny klynge"),
    "valid_from": gettext_lazy("Gælder fra"),
}

_DATE_TYPES = {"date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"}
_INT_TYPES = {"int_type", "int_parsing", "int_from_float", "int_parsing_size"}
_BOOL_TYPES = {"bool_type", "bool_parsing"}
_OBJECT_TYPES = {"model_type", "model_attributes_type", "dict_type"}


def error(field: str | None, message: str) -> dict[str, str | None]:
    return {"field": field, "message": str(message)}


def field_label(field: str | None) -> str:
    if not field:
        return str(FIELD_LABELS[BODY])
    last = field.rsplit(".", 1)[-1]
    label = FIELD_LABELS.get(last)
    return str(label) if label is not None else _("Feltet %(field)s") % {"field": field}


def _shown(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):  # pragma: no cover - default=str makes this unreachable
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def schema_message(field: str | None, kind: str, ctx: Mapping[str, Any], value: Any, detail: str) -> str:
    """A Danish message for one pydantic error, naming the field and what it should be."""
    params = {"label": field_label(field), "value": _shown(value), **{k: str(v) for k, v in ctx.items()}}
    if kind == "missing":
        return _("%(label)s: skal udfyldes.") % params
    if kind in _DATE_TYPES:
        return (
            _("%(label)s: skal være en dato på formen ÅÅÅÅ-MM-DD, fx 2024-01-31 (du skrev %(value)s).")
            % params
        )
    if kind in _INT_TYPES:
        return _("%(label)s: skal være et helt tal uden anførselstegn, fx 2 (du skrev %(value)s).") % params
    if kind in _BOOL_TYPES:
        return _("%(label)s: skal være true eller false (du skrev %(value)s).") % params
    if kind == "string_type":
        return _("%(label)s: skal være tekst i anførselstegn (du skrev %(value)s).") % params
    if kind == "string_too_long":
        return _("%(label)s: må højst være %(max_length)s tegn.") % params
    if kind == "string_too_short":
        return _("%(label)s: skal være mindst %(min_length)s tegn.") % params
    if kind == "string_pattern_mismatch":
        return _("%(label)s: har ikke den rigtige form (du skrev %(value)s).") % params
    if kind in {"literal_error", "enum"}:
        params["expected"] = params.get("expected", "").replace(" or ", f" {_('eller')} ")
        return _("%(label)s: skal være en af %(expected)s (du skrev %(value)s).") % params
    if kind == "greater_than_equal":
        return _("%(label)s: skal være mindst %(ge)s (du skrev %(value)s).") % params
    if kind == "greater_than":
        return _("%(label)s: skal være større end %(gt)s (du skrev %(value)s).") % params
    if kind == "less_than_equal":
        return _("%(label)s: må højst være %(le)s (du skrev %(value)s).") % params
    if kind == "extra_forbidden":
        return _("%(label)s: findes ikke i denne forespørgsel. Fjern feltet, eller ret stavningen.") % params
    if kind in _OBJECT_TYPES:
        return _('%(label)s: skal være et JSON-objekt med felter, fx {"navn": "..."}.') % params
    if kind == "list_type":
        return _("%(label)s: skal være en liste (du skrev %(value)s).") % params
    return _("%(label)s: ugyldig værdi (%(detail)s).") % {**params, "detail": detail}


def schema_errors(contexts: list[Any]) -> list[dict[str, str | None]]:
    """Our ``errors`` list from ninja's validation contexts (one per parameter source)."""
    errors = []
    for context in contexts:
        model = context.model
        source = model.__ninja_param_source__
        single = getattr(model, "__read_from_single_attr__", None)
        for item in context.pydantic_validation_error.errors(include_url=False):
            loc = tuple(model.__ninja_flatten_map_reverse__.get(item["loc"], item["loc"]))
            if source == BODY and single and loc and loc[0] == single:
                loc = loc[1:]
            field = ".".join(str(part) for part in loc) or (BODY if source == BODY else None)
            errors.append(
                error(
                    field,
                    schema_message(
                        field, item["type"], item.get("ctx") or {}, item.get("input"), item.get("msg", "")
                    ),
                )
            )
    return errors


def django_errors(exc: ValidationError) -> list[dict[str, str | None]]:
    """A service's ``ValidationError`` (dict of field → messages, or a plain list) as our ``errors``."""
    if hasattr(exc, "error_dict"):
        return [
            error(None if field == NON_FIELD_ERRORS else field, message)
            for field, field_errors in exc.error_dict.items()
            for field_error in field_errors
            for message in field_error.messages
        ]
    return [error(None, message) for message in exc.messages]


@contextmanager
def fields_renamed(mapping: Mapping[str, str]) -> Iterator[None]:
    """Report a service's errors under this endpoint's field names (e.g. ``left`` → ``on`` for a move)."""
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError(
            {mapping.get(field, field): errors for field, errors in exc.error_dict.items()}
        ) from exc


class BodyRefused(ValueError):
    """The request body cannot be read as the endpoint's input; ``message()`` says why, in Danish."""

    def message(self) -> str:  # pragma: no cover - every subclass says its own
        raise NotImplementedError


class MalformedBody(BodyRefused):
    """The request body is not JSON at all."""

    def __init__(self, line: int, column: int) -> None:
        super().__init__(f"line {line}, column {column}")
        self.line = line
        self.column = column

    def message(self) -> str:
        return _(
            "%(label)s: er ikke gyldig JSON (fejl i linje %(line)s, tegn %(column)s). Send et JSON-objekt, "
            'fx {"joined": "2024-01-31"}, med Content-Type: application/json.'
        ) % {"label": field_label(BODY), "line": self.line, "column": self.column}


class DuplicateKeys(BodyRefused):
    """A JSON object names the same key twice (which one would count is anybody's guess)."""

    def __init__(self, keys: list[str]) -> None:
        super().__init__(", ".join(keys))
        self.keys = keys

    def message(self) -> str:
        return _("%(label)s: nøglen %(keys)s står to gange i samme objekt; fjern den ene.") % {
            "label": field_label(BODY),
            "keys": ", ".join(f'"{key[:40]}"' for key in self.keys),
        }


class DisallowedValue(BodyRefused):
    """Valid to Python's parser, not to JSON or to us: NaN, Infinity, thousands of digits, deep nesting."""

    def message(self) -> str:
        return _(
            "%(label)s: indeholder en værdi, der ikke er tilladt (%(detail)s). Send tal som almindelige "
            "tal og højst 100 niveauer af lister og objekter."
        ) % {"label": field_label(BODY), "detail": str(self)[:80]}


# What to do instead, for endpoints where a larger body has another way in.
TOO_LARGE_HINTS: dict[str, Promise] = {
    "/api/simulate": gettext_lazy("Brug kommandoen klynge simulate FIL til større filer."),
}


def body_too_large(size: int | None = None, path: str = "") -> dict[str, list[dict[str, str | None]]]:
    """The ``413`` answer: the body's size (when known), the most a request may send, what to do."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if size is not None and size > limit:
        shown, most = size_and_limit(size, limit)
        message = _("%(label)s: er for stor: %(size)s; højst %(limit)s.") % {
            "label": field_label(BODY),
            "size": shown,
            "limit": most,
        }
    else:
        message = _("%(label)s: er for stor; højst %(limit)s.") % {
            "label": field_label(BODY),
            "limit": size_and_limit(limit, limit)[1],
        }
    hint = TOO_LARGE_HINTS.get(path.rstrip("/"))
    return {"errors": [error(BODY, f"{message} {hint}" if hint else message)]}


MAX_DEPTH = 100


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


class JsonParser(Parser):
    """Ninja's JSON parser, strict: malformed JSON, duplicate keys, NaN/Infinity, huge numbers and deep
    nesting are refused with a message (``BodyRefused``) instead of a guess or a crash."""

    def parse_body(self, request: HttpRequest) -> Any:
        duplicates: list[str] = []

        def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
            seen: dict[str, Any] = {}
            for key, value in items:
                if key in seen and key not in duplicates:
                    duplicates.append(key)
                seen[key] = value
            return seen

        def constant(name: str) -> Any:
            raise DisallowedValue(name)

        try:
            value = json.loads(request.body, object_pairs_hook=pairs, parse_constant=constant)
        except json.JSONDecodeError as exc:
            raise MalformedBody(exc.lineno, exc.colno) from exc
        except UnicodeDecodeError as exc:
            raise MalformedBody(1, exc.start + 1) from exc
        except RecursionError as exc:
            raise DisallowedValue(_("for mange niveauer")) from exc
        except DisallowedValue:
            raise
        except ValueError as exc:  # an integer with thousands of digits
            raise DisallowedValue(str(exc)) from exc
        if duplicates:
            raise DuplicateKeys(duplicates)
        if _depth(value) > MAX_DEPTH:
            raise DisallowedValue(_("for mange niveauer"))
        return value


TOO_LARGE_CODES = {"document_size"}


def _content_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


def install(api: NinjaAPI) -> None:
    """Register the handlers that give every refusal the same shape."""

    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        # A file over the size limit is "too large" here as it is for a whole body: 413.
        codes = (
            {e.code for e in exc.error_list}
            if not hasattr(exc, "error_dict")
            else {e.code for errs in exc.error_dict.values() for e in errs}
        )
        status = 413 if codes & TOO_LARGE_CODES else 422
        return api.create_response(request, {"errors": django_errors(exc)}, status=status)

    def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return api.create_response(
            request, body_too_large(_content_length(request), request.path_info), status=413
        )

    def on_schema_error(request: HttpRequest, exc: SchemaError) -> HttpResponse:
        return api.create_response(request, {"errors": exc.errors}, status=422)

    def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        detail = str(exc) or _("Du har ikke adgang til at gøre dette.")
        return api.create_response(request, {"detail": detail}, status=403)

    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        # The same answer whether the object does not exist or lies outside the user's scope.
        return api.create_response(request, {"detail": _("Findes ikke.")}, status=404)

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, BodyRefused):
            return api.create_response(
                request, {"errors": [error(BODY, exc.__cause__.message())]}, status=422
            )
        if isinstance(exc.__cause__, RequestDataTooBig):
            return on_too_big(request, exc.__cause__)
        if isinstance(exc, AuthenticationError):
            response = api.create_response(
                request,
                {
                    "detail": _(
                        "Log ind, eller send en gyldig API-nøgle i headeren Authorization: Bearer <nøgle>."
                    )
                },
                status=401,
            )
            response["WWW-Authenticate"] = 'Bearer realm="klynge"'
            return response
        from klynge.api.security import CsrfFailed

        if isinstance(exc, CsrfFailed):
            detail = _("CSRF-kontrollen fejlede: send headeren X-CSRFToken med værdien af cookien csrftoken.")
            return api.create_response(request, {"detail": detail}, status=403)
        return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)

    handlers: list[tuple[type[Exception], Callable[[HttpRequest, Any], HttpResponse]]] = [
        (ValidationError, on_validation_error),
        (RequestDataTooBig, on_too_big),
        (SchemaError, on_schema_error),
        (PermissionDenied, on_permission_denied),
        (Http404, on_not_found),
        (HttpError, on_http_error),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)
