"""IIIF: the Image API (rendering a region and size) and Presentation manifests, free of Flask."""
