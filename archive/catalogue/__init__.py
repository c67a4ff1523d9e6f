"""The catalogue: the photo row (one repository), tags, the tag tree and the vocabulary,
sets, versions, publishing settings, deletion."""
