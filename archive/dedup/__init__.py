"""Near-duplicates: fingerprints, the Hamming index, matching, suggestions, archivists' decisions and rescans."""
