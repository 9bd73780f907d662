"""Views of the intake blueprint."""
from flask import Blueprint

bp = Blueprint("intake", __name__, url_prefix="/intake" or None)
