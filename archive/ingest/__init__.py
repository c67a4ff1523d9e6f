"""The one ingest pipeline (web upload and CLI import), its metadata readers and the bulk workers."""
