"""Plans, subsidy catalogue (operator) and bank settings (hq and operator)."""
from flask import Blueprint

from app.auth.guard import protect

bp = protect(Blueprint("admin", __name__, url_prefix="/admin"))


@bp.get("/")
def index():
    from flask import abort, render_template
    from flask_login import current_user

    from app.models import Role

    if current_user.role not in (Role.OPERATOR, Role.HQ):
        abort(404)
    return render_template("admin/index.html")
