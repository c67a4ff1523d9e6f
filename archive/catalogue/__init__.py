"""The catalogue: photo rows, tags and their vocabulary, sets, publishing settings, deletion."""
