"""Views of the matching blueprint."""
from flask import Blueprint

bp = Blueprint("matching", __name__, url_prefix="/matching" or None)
