"""Blueprint-wide login requirement, and the answer to an unauthenticated request."""
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user


def protect(bp: Blueprint) -> Blueprint:
    """Every view of the blueprint needs a logged-in user."""

    @bp.before_request
    def _require_login():
        if not current_user.is_authenticated:
            return unauthorized()
        return None

    return bp


def unauthorized():
    """htmx gets 401 + HX-Redirect (never the login page swapped into a fragment); after
    logging in, the user comes back to the page they were on."""
    flash("ログインの有効期限が切れたか、ログアウトされています。もう一度ログインしてください。",
          "warning")
    if request.headers.get("HX-Request") == "true":
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = current.path + (f"?{current.query}" if current.query else "")
        login = url_for("auth.login", next=back or None)
        return "", 401, {"HX-Redirect": login}
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def restrict_to(bp: Blueprint, *roles) -> Blueprint:
    """Every view of the blueprint is for these roles only; anyone else gets 404 (the page
    does not exist for them), and a logged-out user goes to the login page."""
    from flask import abort

    @bp.before_request
    def _require_role():
        if not current_user.is_authenticated:
            return unauthorized()
        if current_user.role not in roles:
            abort(404)
        return None

    return bp
