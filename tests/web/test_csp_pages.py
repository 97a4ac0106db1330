"""Content-Security-Policy (#10): every page sends one, and nothing on a page needs an exception to it —
no inline script, no event-handler attribute (on..., hx-on), no style attribute, in any template or
in the HTML the pages actually send (the demo's pages, crawled as the administrator)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.files.storage import FileSystemStorage
from django.test import Client

import klynge

TEMPLATES = sorted(Path(klynge.__file__).resolve().parent.rglob("templates/**/*.html"))

# Data for scripts (json_script) is not script: the browser never runs it.
DATA_TYPES = {"application/json", "application/ld+json"}


class InlineFinder(HTMLParser):
    """Collects what a strict CSP would block: inline scripts and styles, handler attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_inline_script = False
        self._script_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        for name, _value in attrs:
            if name.startswith("on") or name.startswith(("hx-on", "data-hx-on")):
                self.problems.append(f"<{tag} {name}=...> (event handler attribute)")
            if name == "style":
                self.problems.append(f"<{tag} style=...> (inline style)")
            if name == "href" and (names.get(name) or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} href=javascript:...>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script" and not names.get("src") and (names.get("type") or "") not in DATA_TYPES:
            self._in_inline_script = True
            self._script_text = ""

    def handle_data(self, data: str) -> None:
        if self._in_inline_script:
            self._script_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_inline_script:
            self.problems.append(f"inline <script>: {self._script_text.strip()[:60]!r}")
            self._in_inline_script = False


def inline_problems(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    finder.close()
    return finder.problems


def test_the_finder_sees_what_a_strict_policy_blocks() -> None:
    html = (
        '<script>alert(1)</script><script src="/static/x.js"></script>'
        '<script type="application/json" id="d">{"a": 1}</script>'
        '<button onclick="x()">b</button><div hx-on:click="y()"></div><p style="color:red">p</p>'
        '<a href="javascript:void(0)">a</a>'
    )
    assert inline_problems(html) == [
        "inline <script>: 'alert(1)'",
        "<button onclick=...> (event handler attribute)",
        "<div hx-on:click=...> (event handler attribute)",
        "<p style=...> (inline style)",
        "<a href=javascript:...>",
    ]


def test_the_templates_have_no_inline_script_style_or_handlers() -> None:
    assert len(TEMPLATES) > 50
    found = {}
    for template in TEMPLATES:
        text = template.read_text("utf-8")
        problems = [
            *(
                f"inline <script> at {m.start()}"
                for m in re.finditer(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", text)
            ),
            *(f"{m.group(0)!r}" for m in re.finditer(r"\s(on[a-z]+|hx-on[:\w-]*|style)\s*=", text)),
            *(f"{m.group(0)!r}" for m in re.finditer(r"<style\b", text)),
        ]
        if problems:
            found[str(template)] = problems
    assert found == {}


@pytest.fixture
def demo_admin(db: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any) -> Client:
    from klynge.accounts.models import User
    from klynge.registry import demo
    from klynge.registry.models import Document

    monkeypatch.setattr(Document._meta.get_field("file"), "storage", FileSystemStorage(location=tmp_path))
    settings.KLYNGE_RELAX_TWO_FACTOR = True  # the administrator is not asked to enrol here
    demo.build()
    client = Client(raise_request_exception=True)
    client.force_login(User.objects.get(username="admin"))
    return client


def _links(html: str) -> list[str]:
    return re.findall(r'href="(/[^"]*)"', html)


SKIP = ("/admin/", "/static/", "/api/", "/i18n/", "/konto/logout")
MAX_PAGES = 250


def test_every_page_sends_a_csp_and_needs_no_inline_script(demo_admin: Client) -> None:
    """Crawls the demo's pages as the administrator (breadth first, at most MAX_PAGES)."""
    queue, seen, checked, found = ["/"], {"/"}, 0, {}
    skipped: dict[str, str] = {}
    while queue and checked < MAX_PAGES:
        url = queue.pop(0)
        response = demo_admin.get(url)
        target = response.get("Location", "")
        if response.status_code in (301, 302) and target.startswith("/") and target not in seen:
            seen.add(target)
            queue.append(target)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            skipped[url] = f"{response.status_code} {response.get('Location', '')}"
            continue
        checked += 1
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy, url
        assert "unsafe-inline" not in policy
        html = response.content.decode()
        if problems := inline_problems(html):
            found[url] = problems
        for link in _links(html):
            link = urldefrag(link.replace("&amp;", "&")).url
            path = urlsplit(link).path
            if (
                link in seen
                or path.startswith(SKIP)
                or path.endswith((".pdf", ".xlsx", ".csv", ".xml", ".svg"))
            ):
                continue
            seen.add(link)
            queue.append(link)
    assert found == {}
    assert checked >= 40, f"only {checked} pages reached; not HTML or not 200: {skipped}"


def test_the_login_page_and_a_404_send_the_policy(client: Client, db: Any) -> None:
    for url, status in (("/konto/login/", 200), ("/findes-ikke/", 404)):
        response = client.get(url)
        assert response.status_code == status
        assert "default-src 'self'" in response["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
        assert inline_problems(response.content.decode()) == []


def test_every_static_file_a_template_names_exists() -> None:
    """In production a missing file is a 500 (the hashed-name manifest is strict), so every
    ``{% static %}`` of a template, and the icon sprite the context gives them, must be found."""
    from django.contrib.staticfiles import finders

    named = {"dkfds/img/all-svg-icons.svg"}  # klynge.web.context: {{ icons }}
    for template in TEMPLATES:
        named |= set(re.findall(r"""\{% static ['"]([^'"]+)['"]""", template.read_text("utf-8")))
    assert len(named) >= 8
    assert sorted(path for path in named if not finders.find(path)) == []
