"""Search: the query language, its engine, the in-memory index, full text and CSV results."""
