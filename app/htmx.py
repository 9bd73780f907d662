"""The few htmx helpers we need: fragment-or-page decision and response headers."""
import json

from flask import Response, request


def is_htmx() -> bool:
    """True when the request wants a fragment: an htmx request that is not boosted and not a
    history restore (those need the whole page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def hx_redirect(response: Response, url: str) -> Response:
    response.headers["HX-Redirect"] = url
    return response


def hx_trigger(response: Response, event: str, detail: object | None = None) -> Response:
    response.headers["HX-Trigger"] = json.dumps({event: detail}) if detail is not None else event
    return response
