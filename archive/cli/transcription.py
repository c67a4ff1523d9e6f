"""`transcribe` and `worker`: machine transcription drafts of painted words."""

import json
import os
import signal
import sys
import threading

import click

from archive.cli.context import pass_archive
from archive.transcription import queue, reader, work

workers_option = click.option(
    "--workers", type=click.IntRange(1, 64), default=os.cpu_count() or 1, show_default="the number of CPUs",
    help="Processes that read at once; each holds the OCR models and uses up to about 600 MB.")


def _ids(value):
    if not value:
        return None
    try:
        return [int(part) for part in value.replace(" ", "").split(",") if part]
    except ValueError:
        raise click.BadParameter(f"photo ids separated by commas, e.g. 3,17,18 (not {value!r})",
                                 param_hint="--ids") from None


def _transcriber(archive, workers):
    try:
        return work.Transcriber(archive.data_dir, archive.config["MAX_IMAGE_PIXELS"], workers=workers)
    except reader.Unavailable as exc:
        raise click.ClickException(f"OCR cannot run here: {exc}") from None


def _echo_outcome(outcome, as_json):
    if as_json:
        click.echo(json.dumps(outcome.to_json(), ensure_ascii=False))
    elif outcome.status == "failed":
        click.echo(f"photo {outcome.photo_id} could not be read: {outcome.reason}", err=True)


@click.command("transcribe")
@click.option("--all", "everything", is_flag=True, help="Read every photo again, not only those without a draft.")
@click.option("--ids", "ids_text", metavar="ID,...", help="Read only these photos, e.g. 3,17,18 (again if read).")
@workers_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line, one per photo.")
@pass_archive
def transcribe_command(archive, everything, ids_text, workers, as_json):
    """Read the words painted on photos into machine transcription drafts.

    Korean, Chinese (simplified and traditional), Japanese and English, on
    the CPU, with nothing downloaded. Drafts are kept apart from the
    archivist's own transcription, which this never changes; afterwards
    `search` finds the painted words. By default it reads every photo that
    has no draft yet; a photo read again gets a new draft in place of the old.

    \b
    Examples:
        python manage_archive.py transcribe
        python manage_archive.py transcribe --ids 3,17,18 --json
        python manage_archive.py transcribe --all --workers 4
    """
    try:
        photo_ids = work.photos_to_read(archive.db, everything=everything, ids=_ids(ids_text))
    except work.SelectionError as exc:
        raise click.BadParameter(str(exc), param_hint="--ids") from None
    transcriber = _transcriber(archive, min(workers, max(1, len(photo_ids))))
    if not photo_ids:  # nothing to read: no need to load the models
        if not as_json:
            click.echo("0 photos transcribed: every photo has a draft (--all reads them again)")
        return
    counts = {"transcribed": 0, "failed": 0, "gone": 0}
    lines = 0
    show_bar = not as_json and sys.stderr.isatty()
    with transcriber, click.progressbar(length=len(photo_ids), label="Transcribing", file=sys.stderr,
                                        show_pos=True, show_eta=True, hidden=not show_bar) as bar:
        for outcome in transcriber.run(archive.db, photo_ids):
            counts[outcome.status] += 1
            lines += outcome.lines
            bar.update(1)
            _echo_outcome(outcome, as_json)
    if not as_json:
        click.echo(f"{counts['transcribed']} photos transcribed ({lines} lines of text), "
                   f"{counts['failed']} could not be read")


@click.command("worker")
@workers_option
@click.option("--until-empty", is_flag=True, help="Stop once the queue is empty instead of waiting for more.")
@click.option("--poll", type=click.FloatRange(0.1, 3600), default=5.0, show_default=True,
              help="Seconds to wait before looking at an empty queue again.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line, one per photo read.")
@pass_archive
def worker_command(archive, workers, until_empty, poll, as_json):
    """Read the photos that imports and uploads queue for transcription, as
    they come. Run it beside the server; stop it with Ctrl-C or SIGTERM (a
    photo being read is given back to the queue for the next worker).

    \b
    Examples:
        python manage_archive.py --data media worker
        python manage_archive.py --data media worker --until-empty --json
    """
    stopping = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    waiting = queue.counts(archive.db)["waiting"]
    if not as_json:
        click.echo(f"Transcription worker: {waiting} photos waiting", err=True)
    try:
        with _transcriber(archive, workers) as transcriber:
            for outcome in work.drain_queue(archive.db, transcriber, until_empty=until_empty,
                                            poll_seconds=poll, stop=stopping.is_set):
                _echo_outcome(outcome, as_json)
                if not as_json and outcome.status == "transcribed":
                    click.echo(f"photo {outcome.photo_id}: {outcome.lines} lines", err=True)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
