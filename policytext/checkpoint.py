"""Checkpoints: an interrupted batch picks up where it stopped.

While ``policytext score -o FILE`` (or ``report``) runs, the outcome of every scored document is appended to a
folder beside the output, ``.<FILE name>.checkpoint/``, in parts written atomically (temporary file, then
rename), so a run killed at any moment -- even with ``kill -9`` -- leaves only whole parts. ``--resume`` reads
them back, checks that the inputs and settings are the same (a fingerprint of the policytext version, the input
paths and reader options -- or the documents of a corpus already read --, lexicon, tokenizer and normalisation,
made by :meth:`Checkpoint.for_run` for ``score``, ``report`` and :meth:`policytext.Scorer.score` alike), skips the documents already scored, scores the rest, and writes the
outputs exactly as an uninterrupted run would have. The folder is removed when the run succeeds.

Documents are scored and checkpointed in input order, so the checkpoint always holds a prefix of the corpus;
on resume each skipped document's id and source are checked against the checkpoint's, and a corpus that
changed underneath is refused rather than mixed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from .errors import ConfigError, OutputError

if TYPE_CHECKING:
    from .corpus import Corpus
    from .readers import ReadOptions

__all__ = ["Checkpoint", "fingerprint"]

FORMAT = "policytext-checkpoint/1"


def fingerprint(**settings) -> str:
    """A sha256 over JSON-encoded settings (keys sorted); what must match for a checkpoint to be resumed.

    Parameters
    ----------
    **settings
        Anything JSON can encode (other values by ``str``).

    Returns
    -------
    str
        64 hexadecimal digits.
    """
    data = json.dumps(settings, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


class Checkpoint:
    """The checkpoint folder of one output file.

    ``every`` documents or ``seconds`` seconds, whichever comes first, the buffered outcomes are written as a
    new part, by a thread while the run goes on (one part in flight at a time; :meth:`flush` waits for it). An outcome is ``(doc_id, source, meta, row, hit_rows, error)`` as the scorer produced it; the hit
    rows of a document dense with hits are a :class:`policytext.rowtext.SpooledRows` whose file is in this folder
    (:func:`policytext.parallel.score_documents` spills them here), pickled as its path.
    """

    def __init__(self, output: str | os.PathLike, fingerprint: str, *, every: int = 200, seconds: float = 5.0):
        output = Path(output)
        self.folder = output.parent / f".{output.name}.checkpoint"
        self.fingerprint = fingerprint
        self.every = every
        self.seconds = seconds
        self._buffer: list[tuple] = []
        self._last = time.monotonic()
        self._parts = 0
        self._writing: tuple[threading.Thread, list] | None = None  # the part being written, and its error
        self._held = 0  # inside held(): no part is written until the block ends
        #: how many outcomes :meth:`start` read back from an earlier run
        self.resumed = 0

    @classmethod
    def for_run(cls, output: str | os.PathLike, scorer, *, inputs: Iterable[str | os.PathLike] | None = None,
                corpus: Corpus | None = None, read_options: ReadOptions | None = None, evidence: bool = False,
                every: int = 200) -> Checkpoint:
        """The checkpoint of a scoring run writing to ``output`` (``policytext score -o``, ``policytext report``
        and :meth:`policytext.Scorer.score` all make theirs here).

        Its fingerprint covers everything that shapes the outcomes it stores: the policytext version, the
        scorer's configuration (lexicon hash, tokenizer, normalisation), the corpus -- the absolute input paths
        and the reader options when it is read as a stream, or the ``(doc_id, source)`` of every document of
        a corpus already read -- and whether evidence is written. A resume with anything else different is
        refused (:class:`~policytext.errors.ConfigError`).

        Parameters
        ----------
        output : str or os.PathLike
            The output file (or report folder) the checkpoint belongs to; it lives beside it.
        scorer : Scorer
            The scorer of the run.
        inputs : iterable of path, optional
            The input paths, when the corpus is read as the run goes.
        corpus : Corpus, optional
            The corpus, when it was read before the run.
        read_options : ReadOptions, optional
            How ``inputs`` are read.
        evidence : bool
            Whether the run writes evidence.
        every : int
            Save the outcomes every ``every`` documents (and every 5 seconds).

        Returns
        -------
        Checkpoint
        """
        # the package is imported whenever one of its modules is: its version is read there, not imported
        # (policytext/__init__ sits above this module)
        version = getattr(sys.modules.get(__package__), "__version__", None)
        settings = {
            "version": version,
            "scorer": scorer.config,
            "inputs": [os.path.abspath(p) for p in inputs] if inputs is not None else None,
            "documents": [(d.doc_id, d.source) for d in corpus.documents] if corpus is not None else None,
            "reader": read_options.as_dict() if read_options is not None else None,
            "evidence": bool(evidence),
        }
        return cls(output, fingerprint(**settings), every=every)

    # -- starting --------------------------------------------------------------------------------------
    def exists(self) -> bool:
        return (self.folder / "state.json").is_file()

    def start(self, resume: bool) -> list[tuple]:
        """Open the checkpoint: with ``resume``, return the stored outcomes (in input order); without, discard
        any old checkpoint and start empty."""
        return list(self.begin(resume))

    def begin(self, resume: bool) -> Iterator[tuple]:
        """:meth:`start`, the stored outcomes read one part at a time as they are taken (a resumed run does not
        hold them all at once: issue 15). The state is checked and the parts are counted at once; an outcome
        whose spilled evidence file is missing raises :class:`~policytext.errors.ConfigError` when reached.
        :attr:`resumed` counts the outcomes taken."""
        if resume and self.exists():
            state = json.loads((self.folder / "state.json").read_text("utf-8"))
            if state.get("format") != FORMAT or state.get("fingerprint") != self.fingerprint:
                raise ConfigError(f"{self.folder}: this checkpoint was made with other inputs or settings; "
                                  "run again without --resume to start over")
            parts = sorted(self.folder.glob("part-*.pkl"))
            self._parts = len(parts)
            self.resumed = 0
            return self._stored(parts)
        self._create()
        return iter(())

    def _stored(self, parts: list[Path]) -> Iterator[tuple]:
        from .rowtext import SpooledRows

        for part in parts:
            with open(part, "rb") as fh:
                outcomes = pickle.load(fh)
            for outcome in outcomes:  # a document dense with hits: its rows are in a file of this folder
                rows = outcome[4]
                if isinstance(rows, SpooledRows) and not (rows.path and os.path.isfile(rows.path)):
                    raise ConfigError(f"{self.folder}: the evidence of {outcome[1]} is missing from this "
                                      "checkpoint; run again without --resume to start over")
            for outcome in outcomes:
                self.resumed += 1
                yield outcome

    def _create(self) -> None:
        if self.folder.exists():
            shutil.rmtree(self.folder)
        if not self.folder.parent.is_dir():
            raise OutputError(f"{self.folder.parent}: folder does not exist")
        try:
            self.folder.mkdir()
        except OSError as exc:
            raise OutputError(f"{self.folder}: cannot create the checkpoint folder ({exc.strerror})") from None
        self._write(self.folder / "state.json", json.dumps({"format": FORMAT, "fingerprint": self.fingerprint}).encode())

    # -- recording -------------------------------------------------------------------------------------
    def add(self, outcome: tuple) -> None:
        self._buffer.append(outcome)
        if not self._held and (len(self._buffer) >= self.every or time.monotonic() - self._last >= self.seconds):
            self._save()

    @contextlib.contextmanager
    def held(self):
        """Outcomes added inside this block go into one part, written by the first :meth:`add` or :meth:`flush`
        after it (documents scored all at once, :mod:`policytext.warmstore`: a kill loses no more than that
        batch, which takes a fraction of a second to score again, and it costs one ``fsync``, not one per
        ``every`` documents)."""
        self._held += 1
        try:
            yield self
        finally:
            self._held -= 1

    def flush(self) -> None:
        """Write the buffered outcomes as the next part; when this returns, every part is on disk."""
        self._save()
        self.wait()

    def _save(self) -> None:
        """Write the buffered outcomes as the next part, by a thread while the run goes on (the write, its
        fsync and the rename); the part before it is complete on disk when this returns (so parts appear in
        order, and a kill leaves a prefix of whole parts), and an error writing it is raised here."""
        if self._buffer:
            self.wait()
            self._parts += 1
            path = self.folder / f"part-{self._parts:06d}.pkl"
            data = pickle.dumps(self._buffer, protocol=pickle.HIGHEST_PROTOCOL)
            self._buffer = []
            error: list = []

            def write():
                try:
                    self._write(path, data)
                except BaseException as exc:  # raised by wait(), in the run's thread
                    error.append(exc)

            thread = threading.Thread(target=write, name="policytext-checkpoint")  # not a daemon: exit waits
            thread.start()
            self._writing = (thread, error)
        self._last = time.monotonic()

    def wait(self) -> None:
        """Wait until the part being written (if any) is on disk; raise its error if it could not be written."""
        if self._writing is not None:
            thread, error = self._writing
            thread.join()
            self._writing = None
            if error:
                raise error[0]

    def _write(self, path: Path, data: bytes) -> None:
        fd, tmp = tempfile.mkstemp(prefix=".part.", dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def finish(self) -> None:
        """The run succeeded and its outputs are written: remove the checkpoint."""
        with contextlib.suppress(OSError):  # (its last part is no longer needed)
            self.wait()
        shutil.rmtree(self.folder, ignore_errors=True)
