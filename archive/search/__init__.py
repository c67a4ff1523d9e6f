"""Search: the query language, its engine, the in-memory index and full text
(the CSV of its results is the export's)."""
