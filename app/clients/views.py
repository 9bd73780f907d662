"""Views of the clients blueprint."""
from flask import Blueprint

bp = Blueprint("clients", __name__, url_prefix="/clients" or None)
