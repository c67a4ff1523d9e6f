"""The JSON contract: every request body and response of /api/, defined once.

Each shape is a pydantic model; builders fill them from domain rows, taking
every URL from a Links object the caller hands in (links.py). The web
validates bodies and serialises responses through these models and generates
/api/openapi.json from them (web/contract.py); the command line prints the
same JSON through them without building a Flask app. Nothing here imports
Flask.

Field names never change meaning once published: add, don't rename.
"""
