"""The advisor roster (operator only)."""
from flask import Blueprint

from app.auth.guard import restrict_to
from app.models import Role

bp = restrict_to(Blueprint("advisors", __name__, url_prefix="/advisors"), Role.OPERATOR)


@bp.get("/")
def index():
    import sqlalchemy as sa
    from flask import render_template

    from app.extensions import db
    from app.models import Advisor

    advisors = db.session.scalars(sa.select(Advisor).order_by(Advisor.external_id)).all()
    return render_template("advisors/index.html", advisors=advisors)
