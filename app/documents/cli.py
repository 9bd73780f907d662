"""Command line: `flask documents fonts` — are the fonts the PDFs need installed?"""
import click
from flask.cli import AppGroup

documents_cli = AppGroup("documents", help="PDF帳票（フォントの確認）")


@documents_cli.command("fonts")
def fonts_command() -> None:
    """PDFに必要なフォントとライブラリが揃っているか確認します（不足時は終了コード1）。"""
    from app.documents.fonts import REGULAR, check_fonts
    from app.documents.render import renderer

    font_set = renderer().fonts
    rows = [("本文", font_set.main_family, "")]
    rows += [("外字用", s.family, "" if s.required else "（任意: " + s.package + "）")
             for s in font_set.fallbacks]
    for role, family, note in rows:
        found = font_set.locator.find(family, REGULAR)
        click.echo(f"{role}フォント {family}: {found.path if found else '見つかりません'}{note}")
    check = check_fonts(font_set)
    if check.ok:
        click.echo("必要なフォントはすべて揃っています。")
        return
    for label in check.missing:
        click.echo(f"不足: {label}", err=True)
    click.echo(f"インストール: {check.install_command}", err=True)
    raise SystemExit(1)
