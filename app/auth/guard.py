"""Blueprint-wide login requirement, and the answer to an unauthenticated request."""
from flask import Blueprint, redirect, request, url_for
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
    """htmx gets 401 + HX-Redirect (never the login page swapped into a fragment)."""
    login = url_for("auth.login", next=request.full_path.rstrip("?"))
    if request.headers.get("HX-Request") == "true":
        return "", 401, {"HX-Redirect": login}
    return redirect(login)
