"""Migration 0005_standards: The photos_with_tags view, for Datasette and other SQLite tools.

Frozen history: nothing here imports the archive's live code, so the step
runs the same on a database made today as on one made when it was written.
"""

NAME = "0005_standards"

def apply(db):
    # For researchers who open the file in Datasette or any SQLite tool: one
    # row per photo, the labels of its tags in one column per facet.
    facet_columns = ",\n".join(
        f"""            (SELECT group_concat(tags.label, '; ') FROM photo_tags
             JOIN tags ON tags.id = photo_tags.tag_id
             WHERE photo_tags.photo_id = photos.id AND tags.facet = '{facet}') AS {column}"""
        for facet, column in (("set", "sets"), ("subject", "subjects"), ("film", "films"),
                              ("trip", "trips"), ("place", "places"), ("keyword", "keywords"))
    )  # fixed names from this list only; nothing here comes from input
    db.execute(
        f"""
        CREATE VIEW photos_with_tags AS
        SELECT
            photos.id, photos.title, photos.caption, photos.original_filename, photos.taken_at,
            photos.photographer, photos.trip, photos.rights, photos.width, photos.height,
            photos.camera_make, photos.camera_model, photos.sha256, photos.uploaded_at,
            photos.is_public,
{facet_columns}
        FROM photos
        """
    )
