"""The demo corpus's outputs, byte for byte, as a user gets them from the command line.

``policytext score``, ``report`` and ``topics`` are run in a subprocess as typed, on a copy of
``corpora/demo`` (so that no path of this checkout enters an output), and the SHA-256 of every output file is
compared with the hashes recorded below. A refactoring must leave them as they are; a change that means to
change results (a new default lexicon, a new column) re-records them, and says so.

Volatile parts, left out on purpose: the report's ``manifest.json`` is hashed without ``started_utc`` and
``finished_utc`` (the clock) and ``command`` (``sys.argv``: the path of the interpreter and of this checkout).
Every other file is hashed whole.

To re-record: ``PYTHONPATH=. python tests/test_demo_outputs.py`` prints the dict to paste.
"""

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: the recorded hashes, per command and output file (recorded on main at b8f14fa, 2026-11-30; report.xlsx and
#: the manifest that records its hash re-recorded for issue 15.6: the workbook written in openpyxl's write-only
#: mode, every sheet's values the same, other bytes)
EXPECTED = {
    "score": {
        "hits.csv": "fa004694914fbe56deb00b79f9edfa6260f06de8ee1ccbed316cf2138f912499",
        "scores.csv": "8e689ca01cffc21ba9b3cba50a40b988e2849d9f92d6c19834854f30ab499fff",
    },
    "report": {
        "rep/columns.csv": "bb1cbf387bd2b6f73ddb27bbb47e28d5ad1e99200986eccc398e3b226ecf0582",
        "rep/manifest.json": "17b3d4ce76f22d1e32dbd2186d394613d7d36a52d95352b2eb392fef04ff452e",
        "rep/report.docx": "fe4c0ca8dc464c292b476cf58ece2637ffb8ffe754b4481e03c85be926b55c2e",
        "rep/report.html": "f0cdf7af260cf9808f4312e1a7a3cf7cae57e39f386328fb609e00cd3c0215c6",
        "rep/report.xlsx": "63dcae022567a77eebd8910aa53858d1c3b93c4ed248a819a3607b0e347f5e6b",
        "rep/scores.csv": "11b2f823ae965d3658a4af82469ae35e4ee77460fce4772d1d8a319d6447517e",
    },
    "topics": {
        "top/candidates.csv": "516899755e550e3498282e5a74c454c4eded55fe4e6a538e6d9efc894dd24471",
        "top/documents.csv": "ad5676d04c8e053e46058f256e6644c169532f3d1889531bccace42ad175cadd",
        "top/model/manifest.json": "218d2fdf4a8feba4aad2b0b91a9ac69f34d08605d99ff48eab776c9e3946442c",
        "top/model/model.joblib": "3a7348dffaf30f2c754b3e90059ad9b3d3d4def11611f19a2986e92517a8c2fa",
        "top/model/vocabulary.json": "7cbd46bd67913799efa8a68e746ec87cc35014a39dbe6e44b894c706f7ee8ed6",
        "top/topics.csv": "30cf274563980ef121c44d49e67a316d8ae3048a4b2a336d8544c9335198647f",
    },
}

#: the commands, as a user types them (run in a folder holding a copy of the demo corpus as ``demo``)
COMMANDS = {
    "score": ["score", "demo", "-o", "scores.csv", "--evidence", "hits.csv", "-q"],
    "report": ["report", "demo", "-o", "rep", "-q"],
    "topics": ["topics", "demo", "--k", "6", "-o", "top", "-q"],
}

#: keys of the report manifest that change from run to run (the clock, the interpreter's argv)
VOLATILE_MANIFEST_KEYS = ("started_utc", "finished_utc", "command")


def digest(path: Path) -> str:
    """SHA-256 of a file; the report manifest without its volatile keys."""
    if path.name == "manifest.json" and path.parent.name == "rep":
        data = json.loads(path.read_text("utf-8"))
        for key in VOLATILE_MANIFEST_KEYS:
            data.pop(key, None)
        return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_demo(folder: Path, name: str) -> dict[str, str]:
    """Run command ``name`` in ``folder`` and return ``{output file: hash}`` of what it wrote."""
    before = {p for p in folder.rglob("*") if p.is_file()}
    res = subprocess.run([sys.executable, "-m", "policytext", *COMMANDS[name]], cwd=folder, capture_output=True,
                         text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    written = sorted(p for p in folder.rglob("*") if p.is_file() and p not in before)
    return {p.relative_to(folder).as_posix(): digest(p) for p in written}


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo_outputs")
    shutil.copytree(REPO / "corpora" / "demo", folder / "demo")
    return folder


@pytest.mark.parametrize("name", list(COMMANDS))
def test_demo_outputs_are_byte_identical_to_the_recorded_ones(demo_folder, name):
    assert run_demo(demo_folder, name) == EXPECTED[name]


def test_the_hash_sees_a_changed_byte(tmp_path):
    a = tmp_path / "a.csv"
    a.write_bytes(b"doc_id,index\nx,1.0\n")
    first = digest(a)
    a.write_bytes(b"doc_id,index\nx,1.5\n")
    assert digest(a) != first


if __name__ == "__main__":  # re-record: print the dict to paste into EXPECTED
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(REPO / "corpora" / "demo", Path(tmp) / "demo")
        print(json.dumps({name: run_demo(Path(tmp), name) for name in COMMANDS}, indent=4))
