"""The REST API (django-ninja) over the registry's services and the access rules of ``klynge.accounts``.

Every endpoint finds its objects through :mod:`klynge.accounts.access` and changes them only through
the service functions, so the API can do exactly what the web pages can, for the same user.
"""
