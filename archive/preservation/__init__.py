"""Keeping the archive safe and taking it elsewhere: fixity, backup and restore, exports and the one photo CSV."""
