"""Transcription: machine-read drafts of the words painted on the posters.

Two passes read every line (reader.py): rapidocr's PP-OCR models, shipped
inside its wheel, find the text lines and read Chinese, Japanese and Latin;
Tesseract's Korean data from Debian reads the Hangul that no shipped PP-OCR
model knows. choice.py keeps the more plausible reading of each line and
the others worth searching. Drafts are stored apart from the archivist's
own transcription (drafts.py), photos wait in a queue that imports add to
(queue.py), and work.py reads photos off the import's path, in worker
processes. The OCR libraries load only when something is read, so nothing
else in the archive pays for them.
"""
