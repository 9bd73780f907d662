"""Serves front-end packages installed from the npm registry (no CDN in a bank network)."""
from pathlib import Path

from flask import Blueprint, abort, send_from_directory

bp = Blueprint("assets", __name__, url_prefix="/vendor")

NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"
# Only these files are served, each from its package's dist folder.
VENDOR_FILES = {
    "htmx.min.js": NODE_MODULES / "htmx.org" / "dist",
}


@bp.get("/<name>")
def vendor(name: str):
    folder = VENDOR_FILES.get(name)
    if folder is None or not (folder / name).is_file():
        abort(404)
    return send_from_directory(folder, name, max_age=86400)
