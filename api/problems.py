"""Errors as RFC 9457 problem details (application/problem+json), for
every failure under /api/, including routes that do not exist."""
from flask import Response, json, request
from werkzeug.http import HTTP_STATUS_CODES

PREFIX = "/api/"

_DETAILS = {
    400: "The request could not be understood.",
    404: "There is nothing at this address. Events the public cannot see are not in the API.",
    405: "This API only answers GET requests.",
    429: "Too many requests from your address. Wait a minute and try again.",
    500: "Something went wrong on our side. It has been logged.",
    503: "The service is busy or cannot reach its database. Try again in a minute.",
}


def is_api_request() -> bool:
    return request.path.startswith(PREFIX)


def problem(status: int, detail: str | None = None, *, errors: dict[str, list[str]] | None = None) -> Response:
    body = {"type": "about:blank", "title": HTTP_STATUS_CODES.get(status, "Error"), "status": status,
            "detail": detail or _DETAILS.get(status, HTTP_STATUS_CODES.get(status, "Error"))}
    if errors:
        body["errors"] = errors
    return Response(json.dumps(body), status=status, mimetype="application/problem+json")
