"""The two OCR passes over one image, on the CPU, with nothing downloaded.

1. rapidocr finds the text lines on the image shrunk to DETECTION_EDGE
   (rather than its default 2000: quicker, and the lines are still found),
   then reads each line, cut straight from the full image, with its PP-OCR
   models: Chinese, simplified and traditional, Japanese and Latin letters.
2. Tesseract reads each line again with Debian's Korean data: `kor` for a
   line, `kor_vert` in its vertical-block page mode for a column.
3. Short rows stacked into a block, which are often columns read across
   (layout.py), are cut into columns and read again as vertical text.

choice.py decides which reading each line keeps. rapidocr's models ship in
its wheel; the reader names rapidocr's own default files by path and never
changes its language or model settings, because any other choice makes it
fetch a model from the network. The libraries are imported when a Reader
is made, so the rest of the archive never loads onnxruntime.
"""

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from archive.transcription import layout
from archive.transcription.choice import RAPIDOCR, TESSERACT, Reading, weigh

ENGINE = "rapidocr+tesseract"
# Bumped whenever the passes or the choice between them change, so drafts
# made the old way can be told apart (it is part of each draft's version).
PIPELINE_REVISION = 1

DETECTION_EDGE = 1280
# A line's crop for Tesseract: its short side scaled to about this many
# pixels, with a margin of the line's own background around it.
TESSERACT_LINE_PX = 32
TESSERACT_MARGIN_PX = 12
# A word Tesseract is this sure of is kept even when the rest of its line is rubbish.
SURE_WORD = 0.85
# A crop this much taller than wide is a column of vertical text.
COLUMN_RATIO = 1.5
# Columns found in a block of rows replace the rows when their believed
# readings hold this many times the sure letters; and at most this many.
COLUMNS_BETTER = 1.15
MAX_COLUMNS = 8

KOREAN_DATA = ("kor", "kor_vert")
# Where Debian's tesseract-ocr-kor puts its data; TESSDATA_PREFIX (Tesseract's
# own variable) wins when set.
DEBIAN_TESSDATA = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata")

INSTALL_HINT = ("install the OCR extra (pip install 'poster-archive[ocr]') and Debian's "
                "tesseract-ocr-kor and tesseract-ocr-kor-vert")


class Unavailable(RuntimeError):
    """OCR cannot run here; the message says what is missing and how to add it."""


@dataclass
class Line:
    box: list  # four [x, y] corners in the image's pixels, clockwise from the text's top left
    vertical: bool
    readings: list  # choice.Reading, the one to believe first


def tessdata_dir():
    """The folder with Tesseract's Korean data, or None."""
    for folder in (os.environ.get("TESSDATA_PREFIX"), *DEBIAN_TESSDATA):
        if folder and all((Path(folder) / f"{name}.traineddata").is_file() for name in KOREAN_DATA):
            return Path(folder)
    return None


def missing():
    """Why OCR cannot run here, or None when it can. Cheap: imports nothing."""
    absent = [name for name in ("rapidocr", "onnxruntime", "tesserocr") if importlib.util.find_spec(name) is None]
    if absent:
        return f"the Python packages {', '.join(absent)} are not installed: {INSTALL_HINT}"
    if tessdata_dir() is None:
        return f"Tesseract's Korean data (kor, kor_vert) is not installed: {INSTALL_HINT}"
    return None


class Reader:
    """Both OCR engines, loaded once; read() many images with them.

    One reader is one thread of work: parallel reading is by processes,
    each with its own reader (work.py)."""

    def __init__(self):
        reason = missing()
        if reason:
            raise Unavailable(reason)
        # Tesseract's OpenMP would start a thread per core in every worker
        # process; one each is faster when the processes share the cores.
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        import tesserocr
        from rapidocr import RapidOCR

        models = _shipped_models()
        self._ocr = RapidOCR(params={
            "Global.max_side_len": DETECTION_EDGE,
            "Global.log_level": "error",
            # The shipped files, by path: rapidocr then never looks at the network.
            "Det.model_path": str(models["det"]),
            "Cls.model_path": str(models["cls"]),
            "Rec.model_path": str(models["rec"]),
            "EngineConfig.onnxruntime.intra_op_num_threads": 1,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        })
        data = str(tessdata_dir())
        self._tess_line = tesserocr.PyTessBaseAPI(path=data, lang="kor", psm=tesserocr.PSM.SINGLE_LINE,
                                                  oem=tesserocr.OEM.LSTM_ONLY)
        self._tess_column = tesserocr.PyTessBaseAPI(path=data, lang="kor_vert",
                                                    psm=tesserocr.PSM.SINGLE_BLOCK_VERT_TEXT,
                                                    oem=tesserocr.OEM.LSTM_ONLY)
        self.version = _version(models, tesserocr.tesseract_version())

    def close(self):
        self._tess_line.End()
        self._tess_column.End()

    def read(self, image):
        """The lines on an RGB image, top to bottom, each with its readings."""
        image = image.convert("RGB")
        found = self._ocr(_bgr(image), use_det=True, use_cls=False, use_rec=False)
        boxes = getattr(found, "boxes", None)
        if boxes is None or len(boxes) == 0:
            return []
        boxes = [layout.upright(box) for box in np.asarray(boxes, np.float64).tolist()]
        lines = [self._line(image, box) for box in boxes]
        for members in layout.blocks(boxes):
            rows = [lines[i] for i in members if lines[i] is not None]
            if any(_latin(line) for line in rows):
                continue
            columns = self._columns(image, [boxes[i] for i in members])
            if not columns:
                continue
            # Chinese read across columns is still Chinese, and as sure:
            # only a clearly better reading replaces the rows. Either way the
            # other reading stays, for search.
            if _sure_letters(columns) > COLUMNS_BETTER * _sure_letters(rows):
                _keep_also(columns[0], rows)
                for i in members:
                    lines[i] = None
                lines.extend(columns)
            elif rows:
                _keep_also(rows[0], columns)
        return sorted((line for line in lines if line is not None), key=_reading_order)

    def _line(self, image, box):
        crop = straightened(image, box)
        vertical = crop.height >= COLUMN_RATIO * crop.width
        readings = weigh([self._rapidocr(crop, vertical), *self._tesseract(crop, vertical)], vertical)
        if not readings:
            return None
        return Line(box=_rounded(box), vertical=vertical, readings=readings)

    def _columns(self, image, boxes):
        """A block of stacked rows read as columns (see layout.py)."""
        block = layout.block_box(boxes)
        crop = straightened(image, block)
        spans = layout.column_spans(crop.convert("L"))
        columns = []
        for span in spans[:MAX_COLUMNS]:
            piece = crop.crop((span[0], 0, span[1], crop.height))
            readings = weigh([self._rapidocr(piece, True), *self._tesseract(piece, True)], vertical=True)
            if readings:
                columns.append(Line(box=_rounded(layout.span_box(block, crop.size, span)), vertical=True,
                                    readings=readings))
        return columns

    def _rapidocr(self, crop, vertical):
        # rapidocr's own crops turn a column on its side before reading it.
        turned = crop.transpose(Image.Transpose.ROTATE_90) if vertical else crop
        out = self._ocr(_bgr(turned), use_det=False, use_cls=True, use_rec=True)
        texts, scores = getattr(out, "txts", None), getattr(out, "scores", None)
        if not texts:
            return Reading("", 0.0, RAPIDOCR)
        return Reading(texts[0], float(scores[0]), RAPIDOCR)

    def _tesseract(self, crop, vertical):
        api = self._tess_column if vertical else self._tess_line
        grey = crop.convert("L")
        short = grey.width if vertical else grey.height
        scale = TESSERACT_LINE_PX / max(short, 1)
        if scale < 1:
            grey = grey.resize((max(1, round(grey.width * scale)), max(1, round(grey.height * scale))),
                               Image.Resampling.LANCZOS)
        background = int(np.median(np.asarray(grey)))
        api.SetImage(ImageOps.expand(grey, border=TESSERACT_MARGIN_PX, fill=background))
        text = api.GetUTF8Text()
        whole = Reading(text, api.MeanTextConf() / 100, TESSERACT)
        if not text.strip() or whole.confidence >= SURE_WORD:
            return [whole]
        # A sure word beside a smudge read as rubbish: the word on its own too.
        sure = [(word, confidence / 100) for word, confidence in api.MapWordConfidences()
                if confidence / 100 >= SURE_WORD and any(ch.isalnum() for ch in word)]
        if not sure:
            return [whole]
        return [whole, Reading(" ".join(w for w, _ in sure), sum(c for _, c in sure) / len(sure), TESSERACT)]


def straightened(image, box):
    """The quadrilateral box of the image as an upright rectangle."""
    corners = np.asarray(box, np.float64)
    width = max(np.linalg.norm(corners[0] - corners[1]), np.linalg.norm(corners[3] - corners[2]))
    height = max(np.linalg.norm(corners[0] - corners[3]), np.linalg.norm(corners[1] - corners[2]))
    top_left, top_right, bottom_right, bottom_left = corners
    # Pillow's QUAD runs upper left, lower left, lower right, upper right.
    quad = [*top_left, *bottom_left, *bottom_right, *top_right]
    return image.transform((max(1, round(width)), max(1, round(height))), Image.Transform.QUAD, quad,
                           Image.Resampling.BICUBIC)


def _rounded(box):
    return [[round(x, 1), round(y, 1)] for x, y in box]


def _sure_letters(lines):
    """How many letters the lines' believed readings hold, each counted at its confidence."""
    return sum(line.readings[0].confidence * sum(ch.isalnum() for ch in line.readings[0].text) for line in lines)


def _latin(line):
    text = line.readings[0].text
    letters = [ch for ch in text if ch.isalnum()]
    return bool(letters) and sum(ch.isascii() for ch in letters) >= len(letters) / 2


def _keep_also(line, others):
    """Add the other lines' readings to line's, after its own, for search."""
    seen = {reading.text for reading in line.readings}
    for other in others:
        for reading in other.readings:
            if reading.text not in seen:
                seen.add(reading.text)
                line.readings.append(reading)


def _reading_order(line):
    # Top to bottom; lines left to right, columns right to left.
    xs, ys = zip(*line.box)
    return (round(min(ys) / 20), -max(xs) if line.vertical else min(xs))


def _bgr(image):
    return np.ascontiguousarray(np.asarray(image)[:, :, ::-1])


def _shipped_models():
    """rapidocr's default detection, orientation and recognition models, as
    files inside its installed package; Unavailable if one is not there."""
    import rapidocr
    from rapidocr.inference_engine.base import FileInfo, InferSession
    from rapidocr.utils.parse_parameters import ParseParams

    package = Path(rapidocr.__file__).parent
    config = ParseParams.load(package / "config.yaml")
    models = {}
    for task, section in (("det", config.Det), ("cls", config.Cls), ("rec", config.Rec)):
        info = InferSession.get_model_url(FileInfo(
            engine_type=section.engine_type, ocr_version=section.ocr_version, task_type=section.task_type,
            lang_type=section.lang_type, model_type=section.model_type))
        path = package / "models" / Path(info["model_dir"]).name
        if not path.is_file():
            raise Unavailable(f"rapidocr's {task} model {path.name} is not in its package; "
                              "reinstall rapidocr (the archive never downloads models)")
        models[task] = path
    return models


def _version(models, tesseract):
    from importlib.metadata import version

    tesseract = tesseract.split()[1] if len(tesseract.split()) > 1 else tesseract
    names = " ".join(models[task].stem for task in ("det", "rec"))
    return (f"reading {PIPELINE_REVISION}; rapidocr {version('rapidocr')} ({names}); "
            f"tesseract {tesseract} ({' '.join(KOREAN_DATA)})")
