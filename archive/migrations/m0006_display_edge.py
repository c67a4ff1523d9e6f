"""Migration 0006_display_edge: The long edge of each photo's display image.

Frozen history: nothing here imports the archive's live code, so the step
runs the same on a database made today as on one made when it was written.
"""

NAME = "0006_display_edge"

def apply(db):
    # The display image is named by its own long edge (1600-2048, see
    # imaging.analyse); photos imported before were all made at 1600.
    db.execute("ALTER TABLE photos ADD COLUMN display_edge INTEGER NOT NULL DEFAULT 1600")
