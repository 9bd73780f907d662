"""Jinja filters for Japanese display, and response headers for authenticated pages."""
from flask import Flask, request
from flask_login import current_user

from app.admin.history import role_label
from app.japan.dates import format_jst, wareki
from app.japan.identifiers import JSIC_DIVISIONS
from app.japan.money import yen
from app.japan.text import format_phone
from app.referrals.consent_items import CONSENT_ITEMS


def register(app: Flask) -> None:
    app.add_template_filter(yen, "yen")
    app.add_template_filter(wareki, "wareki")
    app.add_template_filter(format_jst, "jst")
    app.add_template_filter(format_phone, "phone")
    app.add_template_filter(lambda letter: JSIC_DIVISIONS.get(letter, ""), "industry_name")
    app.add_template_filter(lambda code: CONSENT_ITEMS.get(code, code), "consent_item")
    app.add_template_filter(role_label, "role_label")

    @app.after_request
    def headers(response):
        # Fragments and pages share URLs: caches and history must tell them apart.
        response.headers.add("Vary", "HX-Request")
        if current_user.is_authenticated or request.endpoint not in ("assets.vendor", "static"):
            response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
