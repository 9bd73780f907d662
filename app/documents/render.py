"""HTML templates → PDF with WeasyPrint, inside an app context, without request objects.

- Templates come from the app's Jinja loader (templates/documents/), autoescaped, through an
  overlay environment that adds the `onefont` filter (a name printed in one typeface) and
  the `cssstr` filter (a value as a CSS string, for page margin boxes).
- The font family stack and the prepared rare-character faces come from `fonts.FontSet`.
- The URL fetcher fetches only the app's static files, our prepared fonts and `data:` URLs:
  a document never makes the server read other local files or call any address."""
from __future__ import annotations

import html as html_lib
import logging
import re
import threading
from contextvars import ContextVar
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from flask import Flask, current_app
from jinja2 import Environment, Template
from markupsafe import Markup, escape
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from app.documents.fonts import FALLBACK_SOURCES, FontLocator, FontSet

log = logging.getLogger(__name__)

EXTENSION_KEY = "pta_documents"
# (source key, text) of the runs the current render printed whole in a fallback face.
_runs: ContextVar[list[tuple[str, str]] | None] = ContextVar("pta_document_runs", default=None)


class AppOnlyURLFetcher(URLFetcher):
    """Allows `data:` URLs and files under the given folders; refuses everything else
    (http, https, ftp, other files, `..` tricks). Refused URLs are kept for tests/logs."""

    def __init__(self, roots: list[Path]):
        super().__init__(timeout=5, allowed_protocols={"file", "data"}, allow_redirects=False)
        self.roots = [Path(r).resolve() for r in roots]
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if path.is_file() and any(path.is_relative_to(root) for root in self.roots):
                return URLFetcherResponse(path.as_uri(), path.read_bytes())
        self.refused.append(url)
        log.warning("document renderer refused to fetch %s", url[:200])
        raise ValueError("URL not allowed in documents")


class DocumentRenderer:
    """Per-application state: the Jinja overlay, the fonts, the allowed folders."""

    def __init__(self, app: Flask):
        self.static_dir = Path(app.static_folder or Path(app.root_path) / "static")
        cache_dir = Path(app.config.get("PDF_FONT_CACHE_DIR")
                         or Path(app.instance_path) / "fonts")
        # PDF_FALLBACK_FONTS: keys of fonts.FALLBACK_SOURCES in order of preference.
        keys = app.config.get("PDF_FALLBACK_FONTS") or [s.key for s in FALLBACK_SOURCES]
        self.fonts = FontSet(
            cache_dir,
            FontLocator(app.config.get("PDF_FONT_FILES")),
            main_family=app.config.get("PDF_FONT_FAMILY") or "BIZ UDPGothic",
            fallbacks=[s for key in keys for s in FALLBACK_SOURCES if s.key == key],
        )
        self.env = self._environment(app.jinja_env)
        self._local = threading.local()

    def font_config(self) -> FontConfiguration:
        """One FontConfiguration per thread, kept: a new one per render leaks ≈0.2 MB
        (fontconfig/Pango state not freed), shared across threads it is not safe."""
        config = getattr(self._local, "font_config", None)
        if config is None:
            config = self._local.font_config = FontConfiguration()
        return config

    def _environment(self, base: Environment) -> Environment:
        # A fresh cache: templates compiled here must see the filters added here.
        env = base.overlay(cache_size=100)
        env.filters = {**base.filters, "onefont": self.onefont, "cssstr": css_string}
        return env

    def onefont(self, value) -> Markup:
        """Print `value` (a name) in one typeface: when the main font lacks one of its
        characters, the whole run goes to the fallback face that has them all."""
        text = "" if value is None else str(value)
        source = self.fonts.source_for_run(text)
        if source is None:
            return escape(text)
        runs = _runs.get()
        if runs is not None:
            runs.append((source.key, text))
        return Markup('<span class="pta-run-{}">{}</span>').format(source.key, text)

    def allowed_roots(self) -> list[Path]:
        return [self.static_dir, self.fonts.cache_dir]

    def render_html(self, template: str | Template, context: dict
                    ) -> tuple[str, list[tuple[str, str]]]:
        """The HTML of a template (a name, or one from env.from_string) and the runs its
        onefont filter marked."""
        if isinstance(template, str):
            template = self.env.get_template(template)
        token = _runs.set([])
        try:
            html = template.render(**context)
            return html, list(_runs.get() or [])
        finally:
            _runs.reset(token)

    def html_to_pdf(self, html: str, runs: list[tuple[str, str]] = (),
                    fetcher: AppOnlyURLFetcher | None = None,
                    font_css: str | None = None) -> bytes:
        """PDF bytes of `html`. `font_css` replaces our font plan (benchmarks compare other
        font set-ups with it)."""
        fetcher = fetcher or AppOnlyURLFetcher(self.allowed_roots())
        if font_css is None:
            font_css = self.fonts.plan(visible_text(html), runs).css()
        font_config = self.font_config()
        stylesheet = CSS(string=font_css, font_config=font_config, url_fetcher=fetcher)
        document = HTML(string=html, base_url=self.static_dir.as_uri() + "/",
                        url_fetcher=fetcher)
        return document.write_pdf(stylesheets=[stylesheet], font_config=font_config)


def css_string(value) -> Markup:
    """`value` as a double-quoted CSS string, safe inside a <style> element: quotes,
    backslashes, line breaks and `<` (no `</style>`) become CSS escapes. The page margin boxes
    print the title, issuer and case number this way: no hidden element and string-set."""
    text = "" if value is None else str(value)
    escaped = "".join(f"\\{ord(c):x} " if c in '"\\<>&\n\r\f' or ord(c) < 0x20 else c
                      for c in text)
    return Markup(f'"{escaped}"')


def visible_text(html: str) -> str:
    """Roughly the text of the page (tags dropped, entities decoded): enough to know which
    characters need a glyph."""
    return html_lib.unescape(re.sub(r"<[^>]*>", " ", html))


def renderer(app: Flask | None = None) -> DocumentRenderer:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    state = app.extensions.get(EXTENSION_KEY)
    if state is None:
        state = app.extensions[EXTENSION_KEY] = DocumentRenderer(app)
    return state


def render_pdf(template: str, context: dict) -> bytes:
    """Render templates/`template` with `context` to PDF bytes (call inside an app
    context). The template extends documents/_base.html."""
    r = renderer()
    html, runs = r.render_html(template, context)
    return r.html_to_pdf(html, runs)
