"""The pages. Views are thin: they find objects through :mod:`klynge.web.selectors` (scoped by
:mod:`klynge.accounts.access`), parse input with :mod:`klynge.web.forms` and change things only
through the registry's services."""
