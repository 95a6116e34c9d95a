"""Signing out of the admin forgets what the desk kept in this browser (issue 19).

The desk keeps an author's unsent draft, photos included, in the browser's
storage until the server confirms the post (static/liveblog/desk-store.js).
On a shared newsroom machine that must not outlive the session, so the
admin's logout answers with `Clear-Site-Data: "storage"`: the browser clears
the origin's localStorage and IndexedDB, in every tab, with or without
script, from whichever page the author signed out.

The price: it also forgets what readers' pages remember on this origin
(the newest- or oldest-first order, live.js), for this browser only; a
reader setting, chosen again with one click. A script hooking the logout
form could clear only the desk's keys, but only on pages that load it, and
the admin's markup is not ours to rely on.
"""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse


def sign_out(request: HttpRequest) -> HttpResponse:
    # As the admin wraps its own: never cached, CSRF-checked, staff only.
    response = admin.site.admin_view(admin.site.logout)(request)
    # Only a logout that happened (Django 5 signs out on POST alone).
    if request.method == "POST" and response.status_code < 400:
        response["Clear-Site-Data"] = '"storage"'
    return response
