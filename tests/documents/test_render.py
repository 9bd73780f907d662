"""The PDF renderer: fetches nothing outside the app, embeds only our fonts, gives back the
Japanese text, and prints rare characters of names in one typeface without tofu."""
import socket
from pathlib import Path

import pytest

from app.documents.fonts import (
    BOLD,
    FALLBACK_SOURCES,
    REGULAR,
    FontLocator,
    FontSet,
    check_fonts,
)
from app.documents.render import AppOnlyURLFetcher, renderer
from tests.documents.pdftools import fonts, text

EXPECTED_FONTS = {"BIZ-UDPGothic", "BIZ-UDPGothic-Bold"}
RARE = "株式会社𠮷野髙﨑工務店"


def page(body: str) -> str:
    return (f'<!doctype html><html lang="ja"><head><meta charset="utf-8"></head>'
            f"<body>{body}</body></html>")


@pytest.fixture
def listener():
    """A TCP port that records whether anybody connected to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.3)
    yield server
    server.close()


def connected(server: socket.socket) -> bool:
    try:
        conn, _ = server.accept()
    except TimeoutError:
        return False
    conn.close()
    return True


def test_fetcher_refuses_everything_outside_the_app(app_ctx, listener, tmp_path):
    port = listener.getsockname()[1]
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    r = renderer()
    outside = [
        f"http://127.0.0.1:{port}/x.png",
        f"https://127.0.0.1:{port}/y.css",
        "file:///etc/passwd",
        secret.as_uri(),
        (r.static_dir / ".." / ".." / "pyproject.toml").as_uri(),  # `..` out of static/
    ]
    html = page(
        f'<img src="{outside[0]}"><link rel="stylesheet" href="{outside[1]}">'
        f'<img src="{outside[2]}"><link rel="stylesheet" href="{outside[3]}">'
        f'<img src="{outside[4]}"><p style="background: url({outside[0]})">本文</p>'
        '<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlE'
        'QVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==">'
    )
    fetcher = AppOnlyURLFetcher(r.allowed_roots())
    pdf = r.html_to_pdf(html, fetcher=fetcher)
    assert pdf.startswith(b"%PDF")
    assert set(outside) <= set(fetcher.refused)
    assert not any(u.startswith("data:") for u in fetcher.refused)
    assert not connected(listener)
    assert "本文" in text(pdf)


def test_fetcher_allows_files_under_its_roots_only(tmp_path):
    root = tmp_path / "static"
    root.mkdir()
    (root / "logo.txt").write_text("ok")
    (tmp_path / "outside.txt").write_text("secret")
    (root / "link.txt").symlink_to(tmp_path / "outside.txt")
    fetcher = AppOnlyURLFetcher([root])
    assert fetcher.fetch((root / "logo.txt").as_uri()).read() == b"ok"
    for url in [(tmp_path / "outside.txt").as_uri(), (root / "link.txt").as_uri(),
                f"{root.as_uri()}/../outside.txt", "ftp://example.com/x"]:
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_user_text_is_escaped_and_never_fetched(app_ctx, listener):
    """User text goes through Jinja autoescape: markup in it is printed, not followed."""
    port = listener.getsockname()[1]
    evil = f'<img src="http://127.0.0.1:{port}/x"><img src="file:///etc/passwd">'
    r = renderer()
    template = r.env.from_string(
        '<!doctype html><html lang="ja"><body><p>{{ notes }}</p></body></html>')
    pdf = r.html_to_pdf(template.render(notes=evil))
    assert not connected(listener)
    assert f"http://127.0.0.1:{port}/x" in text(pdf).replace("\n", "")


def test_fonts_are_embedded_and_only_ours(app_ctx):
    r = renderer()
    template = r.env.from_string(
        '<!doctype html><html lang="ja"><body><h1>ご提案書</h1>'
        "<p>{{ name|onefont }} 御中</p><p>代表取締役 {{ person|onefont }} 様</p>"
        "<p><b>太字</b> ¥50,000（税抜） ★★☆ 〒806-0021</p></body></html>")
    pdf = r.html_to_pdf(*r.render_html(template, {"name": RARE, "person": "𠮷田 髙志"}))
    rows = fonts(pdf)
    assert rows and all(f.embedded and f.unicode for f in rows), rows
    names = {f.name for f in rows}
    rare = {n for n in names if n.startswith("PTA-Rare-")}
    assert names - rare == EXPECTED_FONTS
    assert rare, "the rare characters need a prepared fallback face"
    out = text(pdf)
    assert f"{RARE} 御中" in out
    assert "代表取締役 𠮷田 髙志 様" in out
    assert "ご提案書" in out and "¥50,000（税抜）" in out


def test_margin_boxes_use_our_font(app_ctx):
    """Page margin boxes do not inherit from body: without the family on @page they fell
    back to another font."""
    r = renderer()
    html, _ = r.render_html(r.env.from_string(
        '{% extends "documents/_base.html" %}{% block content %}<p>本文</p>{% endblock %}'),
        {"document": {"title": "テスト", "case_number": "PTA-2026-000001", "issuer": "支店"}})
    pdf = r.html_to_pdf(html)
    assert {f.name for f in fonts(pdf)} == {"BIZ-UDPGothic"}
    out = text(pdf)
    assert "案件番号 PTA-2026-000001" in out and "1 / 1" in out


def test_margin_box_strings_are_escaped(app_ctx, listener):
    """The title, issuer and case number go into the page margin boxes as CSS strings:
    quotes, backslashes and `</style>` in them print as typed and never end the style."""
    port = listener.getsockname()[1]
    issuer = f'北九州"支店\\ </style><img src="http://127.0.0.1:{port}/x">'
    r = renderer()
    html, _ = r.render_html(r.env.from_string(
        '{% extends "documents/_base.html" %}{% block content %}<p>本文</p>{% endblock %}'),
        {"document": {"title": "テスト", "case_number": "PTA-2026-000001", "issuer": issuer}})
    assert "</style><img" not in html
    pdf = r.html_to_pdf(html)
    assert not connected(listener)
    out = text(pdf)
    assert "テスト" in out and issuer in out
    assert "案件番号 PTA-2026-000001" in out and "本文" in out


def test_rare_run_is_printed_whole_in_one_face(app_ctx):
    fs = renderer().fonts
    assert fs.missing("株式会社北九精機") == set()
    assert fs.missing(RARE) == {"𠮷"}
    assert fs.source_for_run("株式会社北九精機") is None
    source = fs.source_for_run(RARE)
    assert source is not None
    plan = fs.plan(f"{RARE} 御中", [(source.key, RARE)])
    family = plan.run_family[source.key]
    assert {f.family for f in plan.faces} == {family}
    # The prepared face holds the whole name (spaces too), not just the missing character.
    from fontTools.ttLib import TTFont

    for face in plan.faces:
        cmap = TTFont(face.path).getBestCmap()
        assert {ord(c) for c in RARE} <= set(cmap)
        assert face.path.stat().st_size < 50_000
    assert f'.pta-run-{source.key} {{ font-family: "{family}"' in plan.css()


def test_prepared_faces_are_cached_by_character_set(app_ctx):
    fs = renderer().fonts
    plan = fs.plan("𠮷")
    assert plan.faces
    first = {f.path: f.path.stat().st_mtime_ns for f in plan.faces}
    again = fs.plan("𠮷 𠮷")  # same missing set, other text
    assert {f.path: f.path.stat().st_mtime_ns for f in again.faces} == first
    other = fs.plan("𠮟")  # U+20B9F: another character set → another file
    assert {f.path for f in other.faces}.isdisjoint(first)
    assert fs.plan("ふつうの文章").faces == []


def test_check_fonts_names_the_missing_packages(tmp_path):
    missing = tmp_path / "nope.ttf"
    locator = FontLocator({f"{family}:{w}": str(missing)
                           for family in ("BIZ UDPGothic", "IPAmjMincho", "Noto Sans CJK JP")
                           for w in (REGULAR, BOLD)})
    check = check_fonts(FontSet(tmp_path, locator))
    assert not check.ok
    assert any("BIZ UDPGothic" in m for m in check.missing)
    assert "fonts-morisawa-bizud-gothic" in check.install_command
    assert "fonts-ipamj-mincho" in check.install_command
    assert check.install_command.startswith("apt-get install -y ")
    assert "fonts-noto-cjk" not in check.packages  # optional: only listed as such
    assert any("Noto" in m for m in check.optional_missing)


def test_installed_fonts_are_complete(app_ctx):
    check = check_fonts(renderer().fonts)
    assert check.ok, f"{check.missing}: {check.install_command}"


def test_every_document_template_is_japanese_and_based_on_the_base():
    folder = Path(__file__).resolve().parents[2] / "app" / "templates" / "documents"
    base = (folder / "_base.html").read_text(encoding="utf-8")
    assert '<html lang="ja">' in base
    for template in folder.glob("*.html"):
        if not template.name.startswith("_"):  # partials are included, not extended
            assert '{% extends "documents/_base.html" %}' in template.read_text("utf-8")


def test_without_noto_names_fall_back_to_ipamj_whole(app_ctx, monkeypatch, tmp_path):
    """The default install has no fonts-noto-cjk: IPAmj明朝 prints the rare names."""
    r = renderer()
    ipamj = [s for s in FALLBACK_SOURCES if s.key == "ipamj"]
    monkeypatch.setattr(r, "fonts", FontSet(tmp_path, r.fonts.locator, fallbacks=ipamj))
    template = r.env.from_string(
        '<!doctype html><html lang="ja"><body><p>{{ name|onefont }} 御中</p>'
        "<p>代表取締役 {{ person|onefont }} 様</p></body></html>")
    pdf = r.html_to_pdf(*r.render_html(template, {"name": RARE, "person": "𠮷田 髙志"}))
    names = {f.name for f in fonts(pdf)}
    assert "BIZ-UDPGothic" in names and len(names) == 2
    assert any(n.startswith("PTA-Rare-ipamj-") for n in names), names
    out = text(pdf)
    assert f"{RARE} 御中" in out and "代表取締役 𠮷田 髙志 様" in out


def test_fonts_command_reports_the_installation(app):
    from app.documents.cli import documents_cli

    result = app.test_cli_runner().invoke(documents_cli, ["fonts"])
    assert result.exit_code == 0, result.output
    assert "BIZ UDPGothic" in result.output and "揃っています" in result.output
