"""Typed errors raised by the policytext library.

The library raises; the command line translates each error into one line on stderr and an exit code
(see ``docs/errors.md``). Errors that concern one document while a batch goes on are not raised but
recorded as :class:`policytext.corpus.ErrorRecord` rows built from these classes.

::

    PolicyTextError                     base class; exit code 3 unless a subclass says otherwise
    ├── DocumentError                   one input document cannot be used (recorded, batch goes on)
    │   ├── DecodeError                 bytes cannot be decoded without guessing
    │   ├── EmptyDocumentError          no text after reading (0 bytes, whitespace only, NaN cell)
    │   ├── UnsupportedFormatError      extension policytext does not read
    │   ├── CorruptFileError            a .docx/.pdf/.xlsx/.parquet that cannot be opened
    │   ├── NoTextLayerError            a PDF without extractable text (scanned)
    │   ├── DuplicateIdError            a document id already used by an earlier document
    │   ├── UnreadableFileError         the file cannot be opened (permissions, vanished, loop, FIFO/device)
    │   ├── TooLargeError               over a reading limit (characters per document, unpacked bytes)
    │   └── SkippedInputError           deliberately not read (a documentation file, an extra worksheet)
    ├── CorpusError                     the corpus as a whole cannot be read (fatal)
    │   ├── ColumnError                 a named table column does not exist
    │   ├── MetadataError               the metadata file cannot be joined
    │   └── NoDocumentsError            nothing readable was found
    ├── LexiconError                    a lexicon file is malformed (message names file and line)
    ├── EmptyVocabularyError            nothing left to model: no countable word, or pruning removed every word
    ├── ConfigError                     an option value is invalid (engine name, encoding, ...)
    │   ├── MissingDependencyError      an optional dependency is not installed (the message names the extra)
    │   └── SeedError                   no seed word of a topic model occurs in the corpus's vocabulary
    └── OutputError                     an output cannot be written (exit code 4)
"""

from __future__ import annotations

__all__ = [
    "ColumnError",
    "ConfigError",
    "CorpusError",
    "CorruptFileError",
    "DecodeError",
    "DocumentError",
    "DuplicateIdError",
    "EmptyDocumentError",
    "EmptyVocabularyError",
    "LexiconError",
    "MissingDependencyError",
    "MetadataError",
    "NoDocumentsError",
    "NoTextLayerError",
    "OutputError",
    "PolicyTextError",
    "SeedError",
    "SkippedInputError",
    "TooLargeError",
    "UnreadableFileError",
    "UnsupportedFormatError",
]


class PolicyTextError(Exception):
    """Base class of every error policytext raises on purpose."""

    exit_code = 3


class DocumentError(PolicyTextError):
    """One input document cannot be used; a batch records it and goes on.

    ``source`` is the file (and, for tables, the row) the document came from.
    """

    def __init__(self, message: str, source: str | None = None, doc_id: str | None = None):
        super().__init__(message)
        self.message = message
        self.source = source
        self.doc_id = doc_id

    def __str__(self) -> str:
        return f"{self.source}: {self.message}" if self.source else self.message


class DecodeError(DocumentError):
    """The bytes cannot be decoded as any supported encoding without guessing."""


class EmptyDocumentError(DocumentError):
    """The document has no text (0 bytes, whitespace only, an empty or NaN cell)."""


class UnsupportedFormatError(DocumentError):
    """The file extension is not one policytext reads."""


class CorruptFileError(DocumentError):
    """A container format (.docx, .pdf, .xlsx, .parquet ...) cannot be opened."""


class NoTextLayerError(DocumentError):
    """A PDF has pages but no extractable text (a scan needs OCR first)."""


class DuplicateIdError(DocumentError):
    """A document id was already used by an earlier document of the corpus."""


class UnreadableFileError(DocumentError):
    """The file cannot be opened at all (permissions, removed while reading, symlink loop)."""


class TooLargeError(DocumentError):
    """A document is over a reading limit: more characters than ``max_chars``, or a container (.docx, .xlsx)
    whose parts unpack to more than the limit. Checked while reading, so reading stops at the limit."""


class SkippedInputError(DocumentError):
    """An input policytext found but deliberately did not read (a README/MANIFEST/LICENSE/CHANGELOG file in a
    folder, a worksheet other than the one chosen); recorded so that nothing disappears silently."""


class CorpusError(PolicyTextError):
    """The corpus as a whole cannot be read."""


class ColumnError(CorpusError):
    """A table column named by the user does not exist; the message lists those that do."""


class MetadataError(CorpusError):
    """The metadata file cannot be read or has no usable id column."""


class NoDocumentsError(CorpusError):
    """No readable document was found in the given inputs."""


class LexiconError(PolicyTextError):
    """A lexicon file or object is malformed; the message names the file and line."""


class ConfigError(PolicyTextError):
    """An option has an invalid value."""


class MissingDependencyError(ConfigError):
    """A feature needs an optional dependency that is not installed; the message says which extra to install
    (``pip install "policytext[parquet]"`` for ``.parquet`` files)."""


class SeedError(ConfigError):
    """No seed word of a topic model occurs in the vocabulary of the corpus (the lexicon does not match it);
    the message gives the vocabulary's size and the number of documents."""


class EmptyVocabularyError(PolicyTextError):
    """A document-term matrix would have no column: no document has a countable word, or ``min_df``/``max_df``
    pruning removed every word; the message gives the numbers and the option to change."""


class OutputError(PolicyTextError):
    """An output file cannot be written."""

    exit_code = 4
