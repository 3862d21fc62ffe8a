"""Compressed answers (flask-compress): zstd, brotli, gzip or deflate, as the client accepts.

Only bodies of at least MIN_BYTES are compressed (below about one packet there is nothing to
gain), and only text-like types: JSON, NDJSON (the streamed export), CSV, GeoJSON, HTML, the
metrics' text, and the Swagger UI's scripts and styles. Errors and 304s are never compressed
(flask-compress leaves every status outside 2xx alone).

ETags: a compressed answer is another representation, so flask-compress gives it its own
strong tag, `"<tag>:<algorithm>"` (e.g. `"3-1a2b...:gzip"`), and answers If-None-Match
with that tag by 304 itself. kb.api.etags accepts such a tag in If-Match too, so a browser
can send back whichever tag it received. Register before kb.api.caching: Flask runs
after_request hooks last-registered first, so compression then sees the finished body and
the ETag caching put on it.
"""

from __future__ import annotations

from flask import Flask
from flask_compress import Compress

from kb.api.etags import CODINGS

MIN_BYTES = 1024
MIMETYPES = [
    "application/json", "application/x-ndjson", "text/csv", "application/geo+json", "text/html",
    "text/plain", "text/css", "application/javascript", "text/javascript",
]


def init_app(app: Flask) -> None:
    """Compress the app's large text answers."""
    app.config.update(COMPRESS_MIN_SIZE=MIN_BYTES, COMPRESS_MIMETYPES=MIMETYPES,
                      COMPRESS_ALGORITHM=list(CODINGS))
    Compress(app)
