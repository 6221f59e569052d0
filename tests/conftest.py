"""Shared fixtures: expensive objects are built once per session."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: public test corpora live beside the checkout (../shared); tests that need them skip where it is absent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def tokenizer():
    from policytext import Tokenizer

    return Tokenizer()


@pytest.fixture(scope="session")
def shared_corpora():
    path = SHARED / "corpora"
    if not path.is_dir():
        pytest.skip(reason=f"public test corpora not found at {path} (they sit beside the checkout in CI)")
    return path


@pytest.fixture(scope="session")
def big_demo_corpus(tmp_path_factory):
    """400 documents assembled from the demo corpus (our own text), about 1.5 M characters in all: large
    enough for parallel scoring and for a run that can be interrupted half-way."""
    demo = sorted((REPO / "corpora" / "demo").rglob("*.txt"))
    texts = [p.read_text("utf-8") for p in demo if "gansu_targeted" not in p.name]  # that one is GB18030
    folder = tmp_path_factory.mktemp("big") / "big"
    for i in range(400):
        sub = folder / f"{i // 100:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        body = "\n".join(texts[(i + k) % len(texts)] for k in range(7))
        (sub / f"doc{i:03d}.txt").write_text(f"第{i}号文件\n{body}", encoding="utf-8")
    return folder
