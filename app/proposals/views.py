"""Views of the proposals blueprint."""
from flask import Blueprint

bp = Blueprint("proposals", __name__, url_prefix="/proposals" or None)
