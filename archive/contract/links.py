"""Where the archive's resources are: every URL the JSON and the CSV carry,
made from one base URL.

The web hands in the request's root (so a proxy's host and a mount prefix
carry through), the command line its --base-url; both print the same links.
A test checks each of them against the route that serves it.
"""

from dataclasses import dataclass

from archive.config import THUMBNAIL_EDGE
from archive.imaging.decoding import derivative_name


@dataclass(frozen=True)
class Links:
    base: str  # "https://archive.example/" or "https://example.org/archive/"

    def __post_init__(self):
        object.__setattr__(self, "base", self.base.rstrip("/") + "/")

    def _url(self, path):
        return self.base + path

    def page(self, photo_id):
        """The photo's page: its permanent address."""
        return self._url(f"photos/{photo_id}")

    def api_photo(self, photo_id):
        return self._url(f"api/photos/{photo_id}")

    def original(self, photo_id):
        return self._url(f"photos/{photo_id}/original")

    def fit(self, photo, edge):
        """The photo's JPEG fitted within edge × edge."""
        return self._url(f"media/{photo['sha256']}/{derivative_name(edge, photo.get('orientation_override'))}")

    def thumbnail(self, photo):
        return self.fit(photo, THUMBNAIL_EDGE)

    def display(self, photo):
        return self.fit(photo, photo["display_edge"])

    def iiif_image(self, photo_id):
        """The IIIF Image API base URI (add /info.json)."""
        return self._url(f"iiif/3/{photo_id}")

    def iiif_manifest(self, photo_id):
        return self._url(f"iiif/photos/{photo_id}/manifest.json")

    def review(self):
        """The review queue (archivists)."""
        return self._url("review")

    def review_photo(self, photo_id):
        """The review screen of the group of photos the photo is in (archivists)."""
        return self._url(f"review/photos/{photo_id}")
