"""HTTP hardening: security headers on every response, Secure cookies over
HTTPS, trusted proxies, and a clear answer when a request is too large."""

from flask import request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

# No inline script or style anywhere: templates load files from /static/.
EMPTY_STYLE = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "img-src 'self' data: blob:",
    "script-src 'self'",
    # The hash of an empty stylesheet: the IIIF viewer (OpenSeadragon) adds a
    # <style> of its own unless the page already has one that it marks;
    # iiif-viewer.js adds that one, empty (its rule is in museum.css).
    f"style-src 'self' 'sha256-{EMPTY_STYLE}'",
    "font-src 'self'",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
])

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers without CSP 2
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS, so one
    configuration serves both a local http:// run and a deployment behind TLS."""

    def get_cookie_secure(self, app):
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def init_app(app):
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.session_interface = SessionInterface()
    app.after_request(add_headers)
    app.register_error_handler(RequestEntityTooLarge, too_large)


def add_headers(response):
    for name, value in HEADERS.items():
        # A view may set a stricter value (the setup page: no referrer at all).
        response.headers.setdefault(name, value)
    return response


def too_large(exc):
    from flask import current_app

    from archive.web import byte_size
    from archive.web.errors import _http_error

    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    exc.description = (
        f"The upload is larger than {byte_size(limit)}, the most one request may carry. "
        "Send fewer photos at a time."
    )
    return _http_error(exc)

