"""Text answers sent compressed: pages, stylesheets, scripts and JSON go out
as gzip, deflate, brotli or zstd, whichever the browser asks for first
(Flask-Compress does the encoding, the ETag suffix and the conditional
answer); a gallery page is an eighth of its size on the wire.

Some answers are sent as they are, and here is why:

- pictures and files that are not text: a JPEG does not shrink, and
  compressing it again would only cost a worker's time; nor do they name
  Accept-Encoding in Vary, so a shared cache keeps one copy of each;
- a part of a file (206, an answer to Range): its byte offsets are the
  file's, and a compressed part would not fit them;
- an answer nginx sends itself (X-Accel-Redirect): the body is not here;
- a page that carries the session's CSRF token (archivists' pages and the
  login form): with the secret and words the request chose side by side
  (a search box repeats its query), an observer who sees only the sizes of
  compressed answers can guess the secret a letter at a time (BREACH).
"""

from flask import g
from flask_compress import Compress

# Flask-WTF keeps the token a page was rendered with on `g` under this name.
CSRF_FIELD = "csrf_token"


def init_app(app):
    # Registered by hand (below), so the answers above can be let through first.
    app.config["COMPRESS_REGISTER"] = False
    compress = Compress(app)

    @app.after_request
    def compress_text(response):
        # Not text: as it is, and without Vary (a picture is one answer for everyone's cache).
        if response.mimetype not in compress.compress_mimetypes_set:
            return response
        if response.status_code == 206 or "Content-Range" in response.headers:
            return response
        if "X-Accel-Redirect" in response.headers or g.get(CSRF_FIELD):
            return response
        if response.direct_passthrough:
            # A file from send_file (a stylesheet, a script): read whole, so
            # it goes compressed with its length known, and the file is
            # closed with the answer (a compressing stream would drop it).
            response.make_sequence()
            response.direct_passthrough = False
        return compress.after_request(response)
