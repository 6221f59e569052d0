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
