"""A pytest plugin, loaded by ``-p klynge.common.testenv`` (pyproject.toml): the tests run with
DJANGO_DEBUG=1 unless the environment says otherwise. It must be set before pytest-django reads the
settings, which happens before any conftest.py is imported (#10)."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_DEBUG", "1")
