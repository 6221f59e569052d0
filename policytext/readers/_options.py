"""How to read a corpus, as one object: :class:`ReadOptions`, taken by every reader entry point
(:func:`~policytext.read_corpus`, :func:`~policytext.readers.iter_corpus`, :func:`~policytext.readers.plan_corpus`),
by :meth:`policytext.Scorer.score` and by :func:`policytext.distributed.score_distributed`, and built once by
the command line's corpus options."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any, Iterable

from ..errors import ConfigError
from ._files import MAX_CHARS

__all__ = ["ReadOptions"]


@dataclass(frozen=True)
class ReadOptions:
    """The reader options of a corpus (the rules are in :mod:`policytext.readers`).

    Parameters
    ----------
    text_column : str, optional
        Tables: the column holding the text (default: ``text``).
    id_column : str, optional
        Tables: the id column (default: ``doc_id``, else ``id``, else row numbers).
    encoding : str, optional
        Decode every text, HTML, CSV/TSV and JSONL file with this codec (default: detect per file).
    metadata : str or os.PathLike, optional
        A CSV joined to the documents by id (default: ``metadata.csv`` at the root of a folder).
    metadata_id_column : str, optional
        The id column of ``metadata`` (default: ``doc_id``, else ``id``).
    glob : str or iterable of str, optional
        Folders: read only files whose relative path matches one of these patterns (kept as a tuple).
    max_chars : int or None
        A document with more characters is a ``TooLargeError`` record (None: no limit).
    sheet : str or int, optional
        ``.xlsx``: the worksheet (a name, a position from 1, or ``"all"``; default: the first visible one).
    include_docs : bool
        Folders: also read README, MANIFEST, LICENSE and CHANGELOG files as documents.

    Examples
    --------
    >>> from policytext.readers import ReadOptions
    >>> opts = ReadOptions(text_column="正文", glob="*.csv")
    >>> opts.glob, ReadOptions.of(opts, id_column="文号").id_column
    (('*.csv',), '文号')
    """

    text_column: str | None = None
    id_column: str | None = None
    encoding: str | None = None
    metadata: str | os.PathLike | None = None
    metadata_id_column: str | None = None
    glob: tuple[str, ...] | None = None
    max_chars: int | None = MAX_CHARS
    sheet: str | int | None = None
    include_docs: bool = False

    def __post_init__(self):
        glob = self.glob
        if glob is not None:
            glob = (glob,) if isinstance(glob, str) else tuple(glob)
            object.__setattr__(self, "glob", glob or None)
        max_chars = self.max_chars
        if max_chars is not None and (isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars < 1):
            raise ConfigError(f"max_chars must be a whole number of at least 1 (or None for no limit), not "
                              f"{max_chars!r}")

    @classmethod
    def of(cls, options: ReadOptions | None = None, **fields: Any) -> ReadOptions:
        """``options`` (default: the defaults) with ``fields`` replaced: what every reader entry point does with
        its ``options`` and keyword arguments, so that ``read_corpus(path, text_column="正文")`` and
        ``read_corpus(path, ReadOptions(text_column="正文"))`` are the same call.

        Parameters
        ----------
        options : ReadOptions, optional
            The options to start from.
        **fields
            Fields of :class:`ReadOptions` to set; another name raises :class:`TypeError` naming the fields.

        Returns
        -------
        ReadOptions
            A new (frozen) object; ``options`` itself is unchanged.
        """
        if options is not None and not isinstance(options, ReadOptions):
            raise TypeError(f"options must be a policytext.readers.ReadOptions, not {type(options).__name__}")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(fields) - names)
        if unknown:
            raise TypeError(f"unknown reader option(s) {', '.join(unknown)}; the options are: "
                            f"{', '.join(f.name for f in dataclasses.fields(cls))}")
        base = options if options is not None else cls()
        return dataclasses.replace(base, **fields) if fields else base

    @property
    def patterns(self) -> list[str] | None:
        """``glob`` as a list (None when not set)."""
        return list(self.glob) if self.glob else None

    def as_dict(self) -> dict:
        """The options as a JSON-friendly dict (paths as text), e.g. for a checkpoint's fingerprint.

        Returns
        -------
        dict
            One key per field.
        """
        out = dataclasses.asdict(self)
        out["metadata"] = os.fspath(self.metadata) if self.metadata is not None else None
        out["glob"] = list(self.glob) if self.glob else None
        return out


