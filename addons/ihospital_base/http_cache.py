"""Public reads that a proxy may share between visitors (issue 17).

A route declares once, with `@shared_cache(max_age)` under its `@http.route`,
that its answer to an anonymous visitor is the same for every anonymous
visitor. `ir.http._post_dispatch` (models/ir_http.py) then gives the response
`Cache-Control: public, max-age=<max_age>` only when that holds for this very
response:

- a GET or HEAD without a body (Odoo would read a form body as parameters
  that the proxy's key, the URL, does not hold), from a session with nobody
  signed in and no debug mode;
- status 200, and nothing set on the visitor: Odoo's `session_id` cookie of a
  new visitor is not sent (the session is not saved: it holds nothing), nor
  website's `frontend_lang` cookie (the language comes from the URL, see
  below); any other `Set-Cookie` makes the response `no-store`;
- no CSRF token in the body: the token is bound to one session, so a shared
  page renders an empty one (a visitor without a session has no use for a
  token rendered for a session he was never sent);
- no GeoIP country of the visitor in the page (website's session info);
- the language fixed by the URL: on a multilingual website route Odoo answers
  200 at `/<lang>/page` in that language and at `/page` only in the website's
  default language (anyone who asks for another one is redirected, the
  redirect is never shared); a route that is not multilingual (the
  waiting-room screen) is shared only when it answers in the default
  language. The proxy serves a copy of `/page` only to requests that Odoo
  would answer in the default language (deploy/haproxy/cache.cfg).

Every other response of a declared route is `Cache-Control: no-store`, and
so is every response of the portal's `/my` pages ("my queue" included).
Routes that are not website routes must not translate what they return (the
queue state is numbers and names).

Signed-in sessions carry the marker cookie `ihospital_signed_in` (set and
removed in ir.http): the proxy never answers them from its cache. What the
cache holds can only be an anonymous, public response.
"""

import functools

from odoo.http import GeoIP, request

SIGNED_IN_COOKIE = "ihospital_signed_in"
# the most a shared copy may be older than the database ("within a second or two")
MAX_AGE_LIMIT = 2


def shared_cache(max_age):
    """Declare the anonymous responses of a public route shared-cacheable for
    `max_age` seconds (1 or 2). Put it under `@http.route`."""
    if not 1 <= max_age <= MAX_AGE_LIMIT:
        raise ValueError(f"shared_cache: max_age must be 1..{MAX_AGE_LIMIT} seconds, not {max_age}")

    def decorate(endpoint):
        @functools.wraps(endpoint)
        def wrapper(*args, **kwargs):
            share = _may_share()
            request.ihospital_shared_max_age = max_age if share else 0
            if share:
                _render_for_everyone()
            return endpoint(*args, **kwargs)

        return wrapper

    return decorate


def _may_share():
    """Whether this request's answer can be the same for every anonymous
    visitor (what is known before the endpoint runs)."""
    session = request.session
    if request.httprequest.method not in ("GET", "HEAD") or session.uid or session.debug:
        return False
    if _has_body(request.httprequest):
        # Odoo reads a form body as parameters, the proxy keys on the URL only
        return False
    if getattr(request, "is_frontend", False) and not request.is_frontend_multilang:
        # the language comes from the visitor, not the URL: share the default one only
        return request.lang == request.env["ir.http"]._get_default_lang()
    return True


def _has_body(httprequest):
    headers = httprequest.headers
    return bool(
        httprequest.content_length
        or "Transfer-Encoding" in headers
        or "Content-Type" in headers
        or httprequest.form
        or httprequest.files
    )


def _no_csrf_token(time_limit=None):
    return ""


def _render_for_everyone():
    """What a page would hold of this one visitor is left out of a shared page."""
    # instance attributes of this request only, shadowing the Request methods
    request.csrf_token = _no_csrf_token
    request.geoip = GeoIP("127.0.0.1")


def shared_response(response):
    """Before Odoo saves the session and injects its cookies: whether this
    response of a declared route is shared; if so, the session's cookie and
    the language cookie are not sent. None for undeclared routes."""
    max_age = getattr(request, "ihospital_shared_max_age", None)
    if max_age is None:
        return None
    session = request.session
    if not max_age or response.status_code not in (200, 304) or session.is_dirty or session.should_rotate:
        return 0
    headers = request.future_response.headers
    if request.httprequest.cookies.get("frontend_lang") and any(
        value.startswith("frontend_lang=") for value in headers.getlist("Set-Cookie")
    ):
        # the visitor's language cookie names another language than the URL's: the answer
        # corrects it, so it is this visitor's (a redirect may have left the default there)
        return 0
    session.can_save = False
    kept = [value for value in headers.getlist("Set-Cookie") if not value.startswith("frontend_lang=")]
    headers.remove("Set-Cookie")
    for value in kept:
        headers.add("Set-Cookie", value)
    return max_age


def is_personal_path(path):
    """The portal's own pages (/my, /my/...): never stored by anyone."""
    return path == "/my" or path.startswith("/my/")


def set_cache_control(response, max_age):
    """After Odoo injected its headers: public for a shared response that
    sets no cookie, no-store otherwise."""
    if max_age and "Set-Cookie" not in response.headers:
        response.headers["Cache-Control"] = f"public, max-age={max_age}"
    else:
        response.headers["Cache-Control"] = "no-store"
