"""The domain's own words in the page's language: field names, the
vocabularies of dates, posters and review decisions, how sure a match is,
why two photos match, and the values an edit history shows.

The domain packages name things in English (they never import Flask, and
the JSON API and the command line keep their words); the screens ask here
for the same words in Korean or English. Each table is made per request,
so gettext answers in the page's language; a word the tables do not know
is shown as the domain said it."""

import re

from flask_babel import gettext, ngettext


def photo_fields():
    """What a person calls each field of a photo an archivist edits, as
    catalogue.editing.LABELS does: in lower case, to sit inside a sentence."""
    return {
        "title": gettext("title"), "title_ko": gettext("Korean title"), "caption": gettext("caption"),
        "caption_ko": gettext("Korean caption"), "transcription": gettext("transcription"),
        "taken_at": gettext("date taken"), "taken_precision": gettext("precision of the date"),
        "trip": gettext("trip"), "photographer": gettext("photographer"), "rights": gettext("rights"),
        "is_public": gettext("visibility"), "orientation_override": gettext("orientation"),
    }


def poster_fields():
    """What a person calls each field of a poster record, as catalogue.posters.LABELS does."""
    return {
        "title": gettext("title"), "title_ko": gettext("Korean title"), "place": gettext("place on the set"),
        "product": gettext("product"), "depicts": gettext("what it depicts"),
        "painted_text": gettext("painted text"), "translation": gettext("translation"), "notes": gettext("notes"),
        "slug": gettext("slug"), "kind": gettext("kind"), "status": gettext("status"), "set": gettext("set"),
        "film": gettext("film it replicates"), "best_photo": gettext("photo shown"), "made": gettext("made"),
    }


def facets():
    """The tag facets (catalogue.tags.FACETS) by name, in lower case as in a sentence."""
    return {"set": gettext("set"), "subject": gettext("subject"), "film": gettext("film"), "trip": gettext("trip"),
            "place": gettext("place"), "keyword": gettext("keyword")}


def roles():
    """accounts.auth.ROLES in words."""
    return {"archivist": gettext("archivist"), "admin": gettext("admin")}


def tag_actions():
    """What the tag history says was done (catalogue.tags.record_history's actions)."""
    return {"added": gettext("added"), "removed": gettext("removed"), "created": gettext("created"),
            "edited": gettext("edited"), "renamed": gettext("renamed"), "merged": gettext("merged"),
            "deleted": gettext("deleted")}


def field_label(fields, name):
    """A field's name from one of the tables above; a poster's link (photo:ID) names its photo."""
    if name in fields:
        return fields[name]
    linked = re.fullmatch(r"photo:(\d+)", name)
    return gettext("photo %(id)s", id=linked.group(1)) if linked else name


def precisions():
    """How precisely a date is known (catalogue.editing.PRECISIONS), for the edit form."""
    return {"": gettext("as written"), "day": gettext("the day"), "month": gettext("the month"),
            "year": gettext("the year"), "circa": gettext("about that year (circa)")}


def orientation(text):
    """imaging.describe_orientation's words ("turned 90° clockwise", "mirrored and turned 180°")."""
    turns = {"turned 90° clockwise": gettext("turned 90° clockwise"), "turned 180°": gettext("turned 180°"),
             "turned 90° anticlockwise": gettext("turned 90° anticlockwise")}
    if text == "as the file says":
        return gettext("as the file says")
    if text == "mirrored":
        return gettext("mirrored")
    if text.startswith("mirrored and "):
        turn = text.removeprefix("mirrored and ")
        return gettext("mirrored and %(turn)s", turn=turns.get(turn, turn))
    return turns.get(text, text)


def poster_kinds():
    """catalogue.posters.KINDS in words."""
    return {"film-poster-replica": gettext("film-poster replica"), "advert": gettext("advert"),
            "shop-sign": gettext("shop sign"), "slogan": gettext("slogan"), "notice": gettext("notice"),
            "mural": gettext("mural"), "other": gettext("other")}


def poster_statuses():
    """catalogue.posters.STATUSES in words."""
    return {"standing": gettext("standing"), "repainted": gettext("repainted"), "gone": gettext("gone"),
            "unknown": gettext("unknown")}


def poster_facets():
    """The poster browse page's facets (catalogue.poster_browse.FACETS) in words."""
    return {"set": gettext("Set"), "kind": gettext("Kind"), "film": gettext("Film"),
            "decade": gettext("First seen"), "status": gettext("Status")}


def decisions():
    """An archivist's verdict on two photos (dedup.decisions.DECISION_WORDS)."""
    return {"duplicate": gettext("the same photograph"), "related": gettext("another shot of the same poster"),
            "unrelated": gettext("not related")}


def marks():
    """What a photo of a review group is marked, on the group's screen."""
    return {"same": gettext("Same photo"), "other": gettext("Other shot"), "unrelated": gettext("Not related")}


def confidence(words):
    """dedup.reasons.confidence_words in the page's language."""
    return {"almost certain": gettext("almost certain"), "very likely": gettext("very likely"),
            "likely": gettext("likely"), "possible": gettext("possible")}.get(words, words)


def _sides(text):
    """dedup.reasons' sides of a crop ("on the left and top", "all round") in the page's language."""
    if text == "all round":
        return gettext("all round")
    names = {"left": gettext("left"), "top": gettext("top"), "right": gettext("right"), "bottom": gettext("bottom")}
    found = re.findall(r"left|top|right|bottom", text)
    if not text.startswith("on the ") or not found:
        return text
    return gettext("on the %(sides)s", sides=gettext(" and ").join(names[side] for side in found))


def reason(phrase):
    """One phrase of dedup.reasons ("smaller copy (50 %)", "cropped by about 8 % on the left")."""
    fixed = {
        "turned 90° to the right": gettext("turned 90° to the right"),
        "turned 180° (upside down)": gettext("turned 180° (upside down)"),
        "turned 90° to the left": gettext("turned 90° to the left"),
        "mirrored": gettext("mirrored"), "mirrored and turned 90°": gettext("mirrored and turned 90°"),
        "mirrored and turned 180°": gettext("mirrored and turned 180°"),
        "differs along the bottom (a caption or a watermark)":
            gettext("differs along the bottom (a caption or a watermark)"),
        "greyscale copy": gettext("greyscale copy"),
        "in colour (the other is greyscale)": gettext("in colour (the other is greyscale)"),
        "same size, recompressed": gettext("same size, recompressed"),
        "same photograph": gettext("same photograph"),
        "different photograph of the same scene": gettext("different photograph of the same scene"),
        # A review card's general words for its group (web.review._general).
        "smaller copies": gettext("smaller copies"), "larger copies": gettext("larger copies"),
        "cropped": gettext("cropped"), "other formats": gettext("other formats"),
        "straightened": gettext("straightened"), "recompressed": gettext("recompressed"),
        "turned": gettext("turned"), "greyscale": gettext("greyscale"),
    }
    if phrase in fixed:
        return fixed[phrase]
    if match := re.fullmatch(r"turned by about (.+)°", phrase):
        return gettext("turned by about %(degrees)s°", degrees=match.group(1))
    if match := re.fullmatch(r"cropped by about (\d+) % (.+)", phrase):
        return gettext("cropped by about %(percent)s %% %(sides)s", percent=match.group(1),
                       sides=_sides(match.group(2)))
    if match := re.fullmatch(r"shows about (\d+) % more (.+)", phrase):
        return gettext("shows about %(percent)s %% more %(sides)s", percent=match.group(1),
                       sides=_sides(match.group(2)))
    if match := re.fullmatch(r"(smaller|larger) copy \((\d+) %\)", phrase):
        if match.group(1) == "smaller":
            return gettext("smaller copy (%(percent)s %%)", percent=match.group(2))
        return gettext("larger copy (%(percent)s %%)", percent=match.group(2))
    if match := re.fullmatch(r"(same size, )?saved as (\S+)", phrase):
        if match.group(1):
            return gettext("same size, saved as %(format)s", format=match.group(2))
        return gettext("saved as %(format)s", format=match.group(2))
    return phrase


def reasons(text):
    """A whole reason ("smaller copy (50 %), saved as PNG"), phrase by phrase."""
    if not text:
        return text
    return ", ".join(reason(phrase) for phrase in _phrases(text))


def _phrases(text):
    """A reason's phrases; "same size, saved as PNG" is one phrase though it holds a comma."""
    parts, found = text.split(", "), []
    for part in parts:
        if found and found[-1] == "same size" and part.startswith("saved as"):
            found[-1] = f"same size, {part}"
        elif found and found[-1] == "same size" and part == "recompressed":
            found[-1] = "same size, recompressed"
        else:
            found.append(part)
    return found


def compared_rows(rows):
    """The review screen's metadata comparison (web.review.metadata_diff) with its row names in words."""
    names = {"File name": gettext("File name"), "Format": gettext("Format"), "Size": gettext("Size"),
             "File size": gettext("File size"), "Taken": gettext("Taken"), "Camera": gettext("Camera"),
             "Lens": gettext("Lens"), "Exposure": gettext("Exposure"), "Location": gettext("Location"),
             "Title": gettext("Title"), "Caption": gettext("Caption"), "Trip": gettext("Trip"),
             "Photographer": gettext("Photographer"), "Tags": gettext("Tags"), "Added": gettext("Added")}
    return [{**row, "field": names.get(row["field"], row["field"])} for row in rows]


def import_warning(text):
    """A note an import left on a photo (ingest.metadata's warnings): the usual one in words, the rare
    technical ones (a block that could not be read, and why) as the import wrote them."""
    return {"no EXIF metadata": gettext("no EXIF metadata")}.get(text, text)


def tag_suggestion(count, reason):
    """Why catalogue.tagging.suggestions offers a tag, with how many photos carry it."""
    if reason.startswith("in its group"):
        return ngettext("%(num)s photo in its group of duplicates and related shots",
                        "%(num)s photos in its group of duplicates and related shots", count)
    if minutes := re.search(r"within (\d+) minutes", reason):
        return ngettext("%(num)s photo of the same trip taken within %(minutes)s minutes",
                        "%(num)s photos of the same trip taken within %(minutes)s minutes", count,
                        minutes=minutes.group(1))
    return f"{count} {reason}"


def history_values(changes, fields, describe_value):
    """An edit history (catalogue.history.changes, with labels and texts) in
    the page's language: each entry's label, and its values where the
    domain wrote words rather than the archivist's own text."""
    for change in changes:
        for entry in {id(entry): entry for entry in change["entries"] + change.get("rows", [])}.values():
            entry["label"] = field_label(fields, entry["field"])
            for when in ("before", "after"):
                entry[f"{when}_text"] = describe_value(entry, when)
    return changes


def history_value(entry, when):
    """One value of a history entry as the page says it: visibility,
    orientation, a date's precision and an empty value in words; the rest
    (typed by an archivist, or a date already written out) as it is."""
    value, text = entry[when], entry[f"{when}_text"]
    field = entry["field"]
    if field == "is_public":
        return gettext("public") if value else gettext("private")
    if field == "orientation_override":
        return orientation(text)
    if field == "taken_precision":
        return precisions().get(value or "", text)
    if text == "(empty)":
        return gettext("(empty)")
    if text == "(unknown)":
        return gettext("(unknown)")
    return text


def poster_history_value(entry, when):
    """One value of a poster's history as the page says it: a photo's link
    and its region, the kind and status in words, who made the poster."""
    value, text = entry[when], entry[f"{when}_text"]
    field = entry["field"]
    if re.fullmatch(r"photo:\d+", field):
        if value is None:
            return gettext("not linked")
        region = value.get("region") if isinstance(value, dict) else None
        if region:
            return gettext("linked, region %(x)s,%(y)s %(w)s × %(h)s", **{k: region[k] for k in "xywh"})
        return gettext("linked")
    if field == "kind" and value:
        return poster_kinds().get(value, text)
    if field == "status" and value:
        return poster_statuses().get(value, text)
    if field == "made" and isinstance(value, dict):
        return gettext("%(when)s by %(who)s", when=(value.get("at") or "")[:16].replace("T", " "),
                       who=value.get("by") or gettext("someone"))
    if text == "(empty)":
        return gettext("(empty)")
    return text
