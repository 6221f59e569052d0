"""Listing a folder (``policytext.readers._list_folder``) builds each path once from its folder's text (issue 15's
warm runs list 2,982 files); every entry, its path, id, source, problem and stat, must be what the listing that
parsed each path twice (kept here as the reference) gives, for every kind of entry and way of naming the root."""

import os
import stat
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

from policytext.errors import SkippedInputError, UnreadableFileError
from policytext.readers import METADATA_FILENAME, _display, _Input, _is_doc_file, _list_folder, _Stamp


def _reference(root, patterns, include_docs=False):
    """The listing before issue 15's fixed-cost work (a Path per child, parsed, and Path(name).suffix)."""
    def strip_ext(rel):
        suffix = Path(rel.rsplit("/", 1)[-1]).suffix
        return rel[: -len(suffix)] if suffix else rel

    entries = []
    metadata_file = None
    root_stat = root.stat()
    seen_dirs = {(root_stat.st_dev, root_stat.st_ino)}
    stack = [(root, "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            children = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            rel = prefix.rstrip("/") or "."
            problem = UnreadableFileError(f"cannot list the folder ({exc.strerror or exc})")
            entries.append((rel, _Input(folder, rel, str(folder), problem)))
            continue
        subfolders = []
        for child in children:
            if child.name.startswith("."):
                continue
            rel = prefix + _display(child.name)
            path = Path(child.path)
            shown = _display(str(path))
            wanted = patterns is None or any(fnmatchcase(rel, p) for p in patterns)
            try:
                st = path.stat()
            except OSError as exc:
                if wanted:
                    reason = "broken symbolic link" if path.is_symlink() else f"cannot read ({exc.strerror or exc})"
                    entries.append((rel, _Input(path, strip_ext(rel), shown, UnreadableFileError(reason))))
                continue
            if stat.S_ISDIR(st.st_mode):
                key = (st.st_dev, st.st_ino)
                if key in seen_dirs:
                    problem = UnreadableFileError("symbolic link loop: this link points to a folder that is already read")
                    entries.append((rel, _Input(path, rel, shown, problem)))
                    continue
                seen_dirs.add(key)
                subfolders.append((path, rel + "/"))
            elif not prefix and child.name == METADATA_FILENAME:
                metadata_file = path
            elif not wanted:
                continue
            elif not stat.S_ISREG(st.st_mode):
                problem = UnreadableFileError("not a regular file (a device, pipe or socket)")
                entries.append((rel, _Input(path, strip_ext(rel), shown, problem)))
            elif not include_docs and _is_doc_file(child.name):
                problem = SkippedInputError("documentation file, not a document: skipped (--include-docs, "
                                            "include_docs=True, to score it)")
                entries.append((rel, _Input(path, strip_ext(rel), shown, problem)))
            else:
                entries.append((rel, _Input(path, strip_ext(rel), shown, stat=_Stamp.of(st))))
        stack.extend(reversed(subfolders))
    entries.sort(key=lambda pair: pair[0])
    return [entry for _, entry in entries], metadata_file


def _plain(listing):
    entries, metadata = listing
    rows = [(type(e.path), str(e.path), e.file_id, e.source, type(e.problem).__name__,
             e.problem.args if e.problem is not None else None, e.stat) for e in entries]
    return rows, (str(metadata) if metadata is not None else None), metadata


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "corpus"
    for rel in ("a.txt", "b/c.txt", "b/d/e.md", "b/.hidden.txt", ".skip/x.txt", "README.md", "b/LICENSE",
                "x.tar.gz", "end.", "sub.dir/f.txt", "sub.dir/g", METADATA_FILENAME, f"b/{METADATA_FILENAME}",
                "z/公告.txt"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("推进精细化治理", encoding="utf-8")
    (root / "link.txt").symlink_to(root / "a.txt")
    (root / "broken.txt").symlink_to(root / "missing.txt")
    (root / "b" / "d" / "loop").symlink_to(root / "b")
    (root / "again").symlink_to(root / "sub.dir")
    os.mkfifo(root / "pipe.txt")
    for raw in ("公告".encode("gbk") + b".txt", b"bad\xff\xfe.txt"):
        with open(os.path.join(os.fsencode(root), raw), "wb") as fh:
            fh.write("通知".encode("utf-8"))
    locked = root / "locked"  # a folder that cannot be listed (except by root, who can)
    locked.mkdir()
    (locked / "in.txt").write_text("x", encoding="utf-8")
    locked.chmod(0)
    yield root
    locked.chmod(0o755)


@pytest.mark.parametrize("patterns", [None, ["*.txt"], ["b/*", "z/*"]])
@pytest.mark.parametrize("include_docs", [False, True])
def test_the_listing_is_the_reference_listing(tree, patterns, include_docs):
    got = _plain(_list_folder(tree, patterns, include_docs))
    want = _plain(_reference(tree, patterns, include_docs))
    assert got == want
    assert got[2] == want[2]  # the metadata file as a Path
    if patterns is None:
        kinds = {row[4] for row in got[0]}
        assert {"NoneType", "UnreadableFileError"} | ({"SkippedInputError"} if not include_docs else set()) <= kinds
        sources = [row[3] for row in got[0]]
        assert str(tree / "公告.txt") in sources and str(tree / "b" / "d" / "loop") in sources


@pytest.mark.parametrize("spelling", [".", "./", "corpus", "./corpus/", "corpus//b", "ABS", "ABS/", "/"])
def test_every_way_of_naming_the_root_gives_the_reference_sources(tree, monkeypatch, spelling):
    if spelling == "/":  # the file-system root: list a folder with one file, named from "/" down
        root = Path("/")
        monkeypatch.setattr(os, "scandir", _only(tree, os.scandir))
    else:
        monkeypatch.chdir(tree if spelling in (".", "./") else tree.parent)
        root = Path(str(tree) + spelling[3:] if spelling.startswith("ABS") else spelling)
    got, want = _plain(_list_folder(root, None)), _plain(_reference(root, None))
    assert got == want and got[0]
    if spelling in (".", "./"):
        assert "a.txt" in [row[3] for row in got[0]]  # not "./a.txt": as str(Path) spells it
    if spelling == "/":
        assert str(tree / "a.txt") in [row[3] for row in got[0]]


def _only(tree, scandir):
    """os.scandir that shows, in each folder above ``tree``, only the next folder on the way down to it (so that
    "/" is listed quickly and nothing else on the machine is seen)."""
    above = {str(p): p_next.name for p, p_next in zip(tree.parents, [tree, *tree.parents])}

    def scan(folder):
        key = os.path.normpath(os.fspath(folder))
        if key in above:
            return iter([e for e in scandir(folder) if e.name == above[key]])
        return scandir(folder)
    return scan
