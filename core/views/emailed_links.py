"""Emailed links, for every package's views: what a link names, or the page
explaining what is wrong with it (forged, altered, expired, or no longer
pointing at anything)."""
from flask import Response, abort, render_template

from core.errors import InvalidLink


def from_emailed_link(load, *args, account_link: bool = False, **kwargs):
    """What an emailed link names (`load(*args, **kwargs)`), or the page
    explaining what is wrong with the link. An `account_link` (confirming an
    address, resetting a password) is followed by how to ask for a new one;
    any other (a survey, a booking, unsubscribing) by whom to write to."""
    try:
        return load(*args, **kwargs)
    except InvalidLink as error:
        abort(Response(render_template("core/link_problem.html", message=error.message, account_link=account_link),
                       status=400))
