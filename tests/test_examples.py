"""Every script in examples/ runs and prints what it promises."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXPECTED = {
    "score_demo.py": ["24 documents scored, 0 not scored", "2016/shanghai_grid", "crude", "fine"],
    "custom_lexicon.py": ["notice_a", "公众参与"],
    "tokenizer_sklearn.py": ["24 documents x", "most frequent:"],
    "topics_demo.py": ["fine_grained", "governance=True", "governance_share"],
}


def test_every_example_is_listed():
    assert sorted(p.name for p in (REPO / "examples").glob("*.py")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs(name):
    res = subprocess.run([sys.executable, str(REPO / "examples" / name)], capture_output=True, text=True, cwd=REPO,
                         timeout=300)
    assert res.returncode == 0, res.stderr
    for needle in EXPECTED[name]:
        assert needle in res.stdout, (needle, res.stdout)
    assert "Traceback" not in res.stderr
