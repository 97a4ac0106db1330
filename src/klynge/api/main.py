"""The API instance, mounted at ``/api/`` (OpenAPI at ``/api/openapi.json``, docs at ``/api/docs``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from ninja import NinjaAPI
from ninja.errors import ValidationError as SchemaError

from klynge.api import auth, clusters, documents, errors, memberships, practices, simulate
from klynge.api.security import AUTH

DESCRIPTION = """
The GP-cluster registry of Klyngeøkonomi, with the same permissions as the web pages.

**Authentication.** A logged-in browser session (send the `X-CSRFToken` header on changes), or a
personal API token: `Authorization: Bearer klynge_…`, created with `klynge apitoken USERNAME` or
`POST /api/auth/tokens`.

**Errors.** Invalid input answers `422 {"errors": [{"field": "cvr", "message": "…"}]}` and changes
nothing; `403 {"detail": …}` when your role does not allow the change; `404` for anything that does
not exist *or* lies outside what you may see. Messages are Danish; send `Accept-Language: en` for
English.

**Formats.** Dates are ISO `YYYY-MM-DD`; money (where it appears) is a string with two decimals.
"""


class KlyngeAPI(NinjaAPI):
    def validation_error_from_error_contexts(self, error_contexts: list[Any]) -> SchemaError:
        """Schema refusals in the same ``{"field", "message"}`` shape as the services' refusals."""
        return SchemaError(errors.schema_errors(error_contexts))


api = KlyngeAPI(
    title="Klyngeøkonomi API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=AUTH,
    parser=errors.JsonParser(),
    docs_decorator=login_required,
)
errors.install(api)
api.add_router("", auth.router)
api.add_router("", clusters.router)
api.add_router("", practices.router)
api.add_router("", memberships.router)
api.add_router("", documents.router)
api.add_router("", simulate.router)
