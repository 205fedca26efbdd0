"""Emailed links, for every package's views: what a link names, or the page
explaining what is wrong with it (forged, altered, expired, or no longer
pointing at anything)."""
from flask import Response, abort, render_template

from core.errors import InvalidLink


def from_emailed_link(load, *args, **kwargs):
    """What an emailed link names (`load(*args, **kwargs)`), or the page
    explaining what is wrong with the link."""
    try:
        return load(*args, **kwargs)
    except InvalidLink as error:
        abort(Response(render_template("core/link_problem.html", message=error.message), status=400))
