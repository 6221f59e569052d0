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


# -- running the suite on every core (pytest-xdist; setup.cfg: -n auto --dist loadgroup --no-loadscope-reorder) -
#: tests that start first, longest first (``python -m pytest --durations=30``): with two workers, a long test
#: started last would leave one core idle at the end. Prefixes of node ids; the rest keep their file order.
START_FIRST = (
    "tests/test_tokenize.py::test_rjieba_conformance_on_the_shared_corpora",
    "tests/test_topics_real.py",
    "tests/test_bad_inputs.py",
    "tests/test_determinism.py",
    "tests/test_topics.py",
    "tests/test_resume.py",
    "tests/test_run.py::test_library_run_killed_and_resumed_gives_what_the_cli_resume_gives",
    "tests/test_cli_report.py::test_anchored_topics_without_tomotopy_is_one_line_naming_the_extra",
    "tests/test_topics_anchored.py",
    "tests/test_reports_browser.py",
)


@pytest.fixture(scope="session")
def kill_after_parts():
    """``kill_after_parts(argv, folder, parts=3)``: start ``argv``, wait until its checkpoint ``folder`` holds
    ``parts`` parts, SIGKILL it and return how many parts it left (tests of kill -9 and --resume)."""
    import os
    import signal
    import subprocess
    import time

    def kill(argv, folder, parts=3):
        run = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and len(list(folder.glob("part-*.pkl"))) < parts:
            assert run.poll() is None, "the run finished before it could be interrupted"
            time.sleep(0.05)
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
        return len(list(folder.glob("part-*.pkl")))

    return kill


def _rank(nodeid: str) -> int:
    return next((i for i, prefix in enumerate(START_FIRST) if nodeid.startswith(prefix)), len(START_FIRST))


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads the xdist_group marks
def pytest_collection_modifyitems(config, items):
    """Long tests first; and the tests of a module that shares a module- or class-scoped fixture run on one
    worker (an ``xdist_group``), so that fixture (a fitted topic model, a scored corpus) is built once."""
    items.sort(key=lambda item: _rank(item.nodeid))  # stable: file order within a rank
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        defs = info.name2fixturedefs.values() if info is not None else ()
        if any(d[-1].scope in ("module", "class", "package") for d in defs if d):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


# -- what the suite costs: the sum of test durations and their CPU time (this process and its children) ----------
_CPU_START = pytest.StashKey[float]()
_TOTALS = {"duration": 0.0, "cpu": 0.0, "by_test": [], "show": []}


def _cpu() -> float:
    import resource

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    item.stash[_CPU_START] = _cpu()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Each test's CPU seconds from the start of its setup to the end of its teardown, children it waited for
    included, as a user property of the teardown report (so it reaches the main process under xdist)."""
    outcome = yield
    if call.when == "teardown" and _CPU_START in item.stash:
        outcome.get_result().user_properties.append(("cpu_seconds", _cpu() - item.stash[_CPU_START]))


def pytest_runtest_logreport(report):
    _TOTALS["duration"] += report.duration
    for key, value in report.user_properties:
        if key == "cpu_seconds":
            _TOTALS["cpu"] += value
            _TOTALS["by_test"].append((value, report.nodeid))
        elif key == "show" and report.when == "teardown":  # record_property("show", text): printed at the end
            _TOTALS["show"].append(value)


def pytest_terminal_summary(terminalreporter):
    tr = terminalreporter
    for text in _TOTALS["show"]:  # what a test wants a person to see (rankings, screenshots' paths)
        tr.write_line(text)
    if not _TOTALS["by_test"]:
        return
    tr.write_line(f"policytext: sum of test durations {_TOTALS['duration']:.1f} s (setup, call and teardown); CPU "
                  f"time {_TOTALS['cpu']:.1f} s (test processes and the children they waited for)")
    if tr.config.getoption("durations", None):
        top = sorted(_TOTALS["by_test"], reverse=True)[:15]
        tr.write_line("most CPU: " + "; ".join(f"{cpu:.1f} s {nodeid}" for cpu, nodeid in top))
