"""Near-duplicates as JSON: the review queue, one pair, decisions, the
groups (`duplicates --json`) and a photo's versions."""

from typing import Annotated, Literal

from pydantic import Field, StrictInt, create_model

from archive.catalogue import photos, tags
from archive.contract.photos import PhotoSummary, photo_summary
from archive.contract.shapes import Body, Count, PhotoId, Shape, TagSlugs, explained
from archive.dedup.clusters import MARKS
from archive.dedup.decisions import DECISIONS, KINDS

Kind = Literal[tuple(KINDS)]
DecisionName = Literal[tuple(DECISIONS)]


Mark = Literal[tuple(MARKS)]
Confidence = Annotated[float, Field(ge=0, le=1, description="How sure the matcher is: copies of one photograph "
                                                             "0.5 to 1, other shots below 0.5")]


class Reason(Shape):
    text: str = Field(description="Said the way a person would: \"smaller copy (50 %)\", \"cropped by about "
                                  "8 % on the left\", \"mirrored\", \"different photograph of the same scene\"")
    phrases: list[str]
    plain: bool = Field(description="A plain resize or recompression, nothing turned, cropped or recoloured")


class Suggestion(Shape):
    id: PhotoId
    photo_a: int = Field(description="The lower photo id")
    photo_b: int
    kind: Kind
    phash_distance: Count
    dhash_distance: Count
    alignment: str = Field(description="How the two line up, as the matcher says it: the same, cropped, turned...")
    created_at: str
    confidence: Confidence | None = None
    reason: Reason | None = Field(None, description="photo_b against photo_a, or the smaller against the larger")


class ReviewQueue(Shape):
    total: Count
    suggestions: list[Suggestion]


class Decision(Shape):
    id: PhotoId
    photo_a: int
    photo_b: int
    decision: DecisionName
    primary_id: int | None = Field(description="The photo to keep; duplicates only")
    decided_by: str
    decided_at: str
    undone_by: str | None
    undone_at: str | None = Field(description="Set once the decision is undone")
    batch_id: int | None = Field(None, description="The batch (a whole cluster, or the plain copies accepted at "
                                                   "once) this decision was taken in")


class DiffRow(Shape):
    field: str
    a: str | None
    b: str | None
    differs: bool


class ReviewPair(Suggestion):
    decision: Decision | None
    photos: Annotated[list[PhotoSummary], Field(min_length=2, max_length=2)]
    metadata_diff: list[DiffRow]


class DecisionBody(Body):
    decision: Annotated[DecisionName, explained(f"decision must be one of {', '.join(DECISIONS)}")]
    primary_id: Annotated[StrictInt | None, explained("primary_id must be a photo id")] = Field(
        None, description="For a duplicate: the photo to keep, one of the group; chosen by size and metadata "
                          "when left out")
    model_config = {"json_schema_extra": {"examples": [{"decision": "duplicate", "primary_id": 12}]}}


class GroupPhoto(Shape):
    id: int
    original_filename: str
    sha256: str


class Group(Shape):
    kind: Kind
    state: Literal["confirmed", "suggested"]
    primary: int
    photos: Annotated[list[GroupPhoto], Field(min_length=2)]


class Groups(Shape):
    groups: list[Group]


# Where each version came from: the photo's provenance columns (catalogue/photos.py).
VersionProvenance = create_model(
    "VersionProvenance", __base__=Shape,
    **{name: (photos.COLUMNS[name], ...) for name in ("id", *photos.PROVENANCE, "width", "height")})


class Versions(Shape):
    primary: int = Field(description="The group's chosen photo, the first of versions (the first visible one "
                                     "if the chosen one is private)")
    versions: Annotated[list[PhotoSummary], Field(min_length=1,
                                                  description="The photo and its duplicates, the primary first")]
    other_shots: list[PhotoSummary] = Field(description="Other shots of the same poster (decided related)")
    tags: TagSlugs
    captions: list[str]
    provenance: list[VersionProvenance]


class ClusterMember(Shape):
    photo: PhotoSummary
    proposed: Mark = Field(description="The archive's proposal: the same photograph as the primary, another shot "
                                       "of the same subject, or not related")
    confidence: Confidence
    reason: Reason | None = Field(description="Against the primary (or against compared_with); null for the primary")
    compared_with: int | None = Field(description="The photo the reason compares with, when not the primary")
    confirmed_with: list[int] = Field(description="Photos already confirmed as the same photograph as this one")


class ClusterSummary(Shape):
    key: PhotoId = Field(description="The cluster's lowest photo id; any member's id finds it")
    size: Annotated[int, Field(ge=2)]
    kind: Kind = Field(description="duplicate when any pair in it was found as copies")
    confidence: Confidence
    primary: int = Field(description="The proposed primary: the best copy")
    photo_ids: list[int]
    suggestion_ids: list[int] = Field(description="The open suggestions inside it")


class Cluster(ClusterSummary):
    members: list[ClusterMember] = Field(description="The primary first")


class Clusters(Shape):
    total: Count = Field(description="Open clusters")
    open_suggestions: Count
    plain_copies: Count = Field(description="Open suggestions that are plain resizes or recompressions")
    clusters: list[ClusterSummary] = Field(description="Most confident first")


IdList = Annotated[list[StrictInt], explained("a list of photo ids")]


class ClusterDecisionBody(Body):
    primary_id: Annotated[StrictInt | None, explained("primary_id must be a photo id")] = Field(
        None, description="The photo to keep; the proposed primary when left out")
    same: IdList = Field([], description="Photos that are the same photograph as the primary")
    other_shots: IdList = Field([], description="Other shots of the same subject")
    unrelated: IdList = Field([], description="Photos that have nothing to do with the rest")
    photo_ids: IdList | None = Field(None, description="The photos the caller saw; when the cluster holds others "
                                                       "now, 409 and nothing is recorded")
    model_config = {"json_schema_extra": {"examples": [
        {"primary_id": 14, "same": [15, 16], "other_shots": [17], "unrelated": [18]}]}}

    def marks(self):
        """{photo_id: mark}; a photo named twice is refused."""
        found = {}
        for mark, ids in (("same", self.same), ("other", self.other_shots), ("unrelated", self.unrelated)):
            for photo_id in ids:
                if found.setdefault(photo_id, mark) != mark:
                    raise ValueError(f"photo {photo_id} is marked both {found[photo_id]} and {mark}")
        return found


class Batch(Shape):
    id: PhotoId
    kind: Literal["cluster", "plain"]
    primary_id: int | None
    decided_by: str
    decided_at: str
    undone_by: str | None
    undone_at: str | None
    decisions: list[Decision] = Field(description="The pair decisions it recorded")
    photo_ids: list[int] = Field(description="The photos its decisions name")
    marks: dict[str, Mark] | None = Field(None, description="A cluster's marks, by photo id")
    left_open: list[int] | None = Field(None, description="Suggestions in the cluster the marks did not answer "
                                                          "(two photos both unrelated to the rest, say)")
    skipped: list[int] | None = Field(None, description="Listed plain copies no longer open or plain")


class PlainCopy(Suggestion):
    copy_id: int = Field(description="The smaller photo: the copy")
    original_id: int = Field(description="The larger photo, which stays the primary")
    photos: Annotated[list[PhotoSummary], Field(min_length=2, max_length=2, description="The copy, the original")]


class PlainCopies(Shape):
    total: Count
    suggestions: list[PlainCopy] = Field(description="What accepting would confirm, most confident first")


class AcceptPlainBody(Body):
    suggestion_ids: Annotated[list[StrictInt], explained("suggestion_ids must be a list of suggestion ids"),
                              Field(min_length=1, max_length=5000)]
    model_config = {"json_schema_extra": {"examples": [{"suggestion_ids": [3, 4, 9]}]}}


def review_queue(total, suggestions):
    return ReviewQueue(total=total, suggestions=[Suggestion.model_validate(s) for s in suggestions])


def clusters(found, open_suggestions, plain_count):
    return Clusters(total=len(found), open_suggestions=open_suggestions, plain_copies=plain_count,
                    clusters=[ClusterSummary.model_validate(c.to_json()) for c in found])


def cluster(found, rows, links):
    """A cluster with its members' photo rows ({id: row})."""
    data = found.to_json()
    members = [ClusterMember(photo=photo_summary(rows[m["photo_id"]], links),
                             **{k: v for k, v in m.items() if k != "photo_id"}) for m in data.pop("members")]
    return Cluster(**data, members=members)


def batch(row):
    return Batch.model_validate(row)


def plain_copies(found, rows, links):
    return PlainCopies(total=len(found), suggestions=[
        PlainCopy(**{k: v for k, v in s.items() if k in PlainCopy.model_fields and k != "photos"},
                  photos=[photo_summary(rows[s["copy_id"]], links), photo_summary(rows[s["original_id"]], links)])
        for s in found])


def review_pair(suggestion, a, b, diff, links):
    return ReviewPair(**{name: suggestion[name] for name in Suggestion.model_fields},
                      decision=suggestion["decision"], photos=[photo_summary(a, links), photo_summary(b, links)],
                      metadata_diff=diff)


def groups(rows):
    return Groups(groups=rows)


def versions(group, links):
    """A photo's group as JSON. A primary this request may not see is not
    named: the first visible version stands in."""
    return Versions(
        primary=group["versions"][0]["id"],
        versions=[photo_summary(row, links) for row in group["versions"]],
        other_shots=[photo_summary(row, links) for row in group["other_shots"]],
        tags=tags.slugs_by_facet(group["tags"]),
        captions=group["captions"],
        provenance=group["provenance"],
    )
