"""Signs painted in columns that the line finder took for rows.

PP-OCR's detector is made for lines. On a sign of two or three short
columns of Chinese, Japanese or Korean it often joins the characters
across the columns into rows, or gives each character of a column a box of
its own. So boxes of short text stacked close under one another form a
block (blocks); the reader cuts each block upright, splits it into columns
at the gaps in its ink (column_spans) and reads every column as vertical
text too. Geometry only: nothing here reads.
"""

import numpy as np

# Rows longer than this many heights are lines of text, not a column's letters.
ROW_ASPECT_MAX = 5.5
# Two boxes stack when the gap between them is at most this share of the
# shorter one's height, and they overlap sideways by this share of the narrower.
STACK_GAP = 0.6
STACK_OVERLAP = 0.5
STACK_HEIGHT_RATIO = 1.8
# A single box this close to square may be a block of two short columns.
SQUARE = (0.7, 1.45)
# A stroke is a change of at least this many grey levels between neighbours
# (and among the sharpest 15 % of the block's); a column is where strokes
# fill at least this share of the busiest column's.
STROKE_STEP = 20
COLUMN_INK = 0.3


def upright(box):
    """The box's corners starting from the one that makes the first edge the
    most nearly level, left to right: a column tilted a little is then a
    column, not a row tilted a lot, whichever corner the detector began at."""
    corners = [list(map(float, p)) for p in box]

    def levelness(k):
        (x0, y0), (x1, y1) = corners[k], corners[(k + 1) % 4]
        return (x1 - x0) / (np.hypot(x1 - x0, y1 - y0) or 1)

    start = max(range(4), key=levelness)
    return corners[start:] + corners[:start]


def _frame(box):
    """(origin, unit along the text, unit down the text, width, height) of a box."""
    corners = np.asarray(box, np.float64)
    along = corners[1] - corners[0]
    width = np.linalg.norm(along)
    along = along / width if width else np.array([1.0, 0.0])
    down = np.array([-along[1], along[0]])
    height = max(np.linalg.norm(corners[3] - corners[0]), 1e-6)
    return corners[0], along, down, max(width, 1e-6), height


def _is_row(box):
    _, _, _, width, height = _frame(box)
    return height < 1.5 * width and width <= ROW_ASPECT_MAX * height


def _is_column(box):
    _, _, _, width, height = _frame(box)
    return height >= 1.5 * width


def _stacked(upper, lower):
    """Whether lower stands just under upper, as the next row of one block."""
    origin, along, down, width, height = _frame(upper)
    points = (np.asarray(lower, np.float64) - origin)
    xs, ys = points @ along, points @ down
    lower_height = _frame(lower)[4]
    if max(height, lower_height) > STACK_HEIGHT_RATIO * min(height, lower_height):
        return False
    gap = ys.min() - height
    # Detected boxes reach past their letters, so rows often overlap a little.
    if not -0.5 * min(height, lower_height) <= gap <= STACK_GAP * min(height, lower_height):
        return False
    overlap = min(width, xs.max()) - max(0.0, xs.min())
    return overlap >= STACK_OVERLAP * min(width, xs.max() - xs.min())


def blocks(boxes):
    """Groups of box indices, top row first, that may be columns read as rows:
    two or more short rows stacked close, one box near square, or one column
    (which may be two side by side)."""
    rows = [i for i, box in enumerate(boxes) if _is_row(box)]
    parent = {i: i for i in rows}

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in rows:
        for j in rows:
            if i != j and _stacked(boxes[i], boxes[j]):
                parent[root(j)] = root(i)
    groups = {}
    for i in rows:
        groups.setdefault(root(i), []).append(i)
    found = [[i] for i, box in enumerate(boxes) if _is_column(box)]
    for members in groups.values():
        members.sort(key=lambda i: float(np.mean([p[1] for p in boxes[i]])))
        if len(members) >= 2:
            found.append(members)
        else:
            _, _, _, width, height = _frame(boxes[members[0]])
            if SQUARE[0] <= width / height <= SQUARE[1]:
                found.append(members)
    return found


def block_box(boxes):
    """The four corners of a box around all these boxes, turned as the first is."""
    origin, along, down, _, _ = _frame(boxes[0])
    points = np.concatenate([np.asarray(b, np.float64) for b in boxes]) - origin
    xs, ys = points @ along, points @ down
    corners = [(xs.min(), ys.min()), (xs.max(), ys.min()), (xs.max(), ys.max()), (xs.min(), ys.max())]
    return [(origin + x * along + y * down).tolist() for x, y in corners]


def column_spans(grey):
    """The columns of an upright block image as (left, right) pixel spans,
    right to left as vertical text reads, split where no stroke crosses; []
    when the block does not look like columns (one wider than tall).

    Strokes are where the grey level changes sharply: painted letters have
    edges everywhere, a plain board and the wall behind it do not, whatever
    their colours."""
    pixels = np.asarray(grey, np.float64)
    height, width = pixels.shape
    if width < 4 or height < 4:
        return []
    change = np.abs(np.diff(pixels, axis=1))[:-1, :] + np.abs(np.diff(pixels, axis=0))[:, :-1]
    strokes = change > max(np.percentile(change, 85), STROKE_STEP)
    window = max(1, width // 40)
    profile = np.convolve(strokes.mean(axis=0), np.ones(window) / window, mode="same")
    if profile.max() <= 0:
        return []
    inked = np.append(profile > COLUMN_INK * profile.max(), False)
    spans, start = [], None
    for x, on in enumerate(inked):
        if on and start is None:
            start = x
        elif not on and start is not None:
            spans.append([start, x])
            start = None
    merged = []
    for span in spans:  # a gap narrower than this is inside one letter
        if merged and span[0] - merged[-1][1] < max(2, 0.04 * width):
            merged[-1][1] = span[1]
        else:
            merged.append(span)
    widest = max(b - a for a, b in merged)
    merged = [(a, b) for a, b in merged if b - a >= 0.25 * widest]
    if any(height < 1.2 * (b - a) for a, b in merged):
        return []
    pad = [max(1, round(0.15 * (b - a))) for a, b in merged]
    return [(max(0, a - p), min(width, b + p)) for (a, b), p in reversed(list(zip(merged, pad)))]


def span_box(block, size, span):
    """The corners, on the photo, of a column span of the upright block image."""
    corners = np.asarray(block, np.float64)
    width = size[0]
    left, right = span[0] / width, span[1] / width
    top = corners[0] + (corners[1] - corners[0]) * np.array([[left], [right]])
    bottom = corners[3] + (corners[2] - corners[3]) * np.array([[left], [right]])
    return [top[0].tolist(), top[1].tolist(), bottom[1].tolist(), bottom[0].tolist()]
