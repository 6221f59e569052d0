"""The report in a real headless browser (Debian's chromium), driven over the Chrome DevTools Protocol.

Chromium is started with ``--remote-debugging-port=0`` on about:blank; the test attaches to the page over a
WebSocket (websocket-client), turns on the Runtime, Log, Page and Network domains, then opens report.html from
disk. It checks: no console error, no uncaught exception, no dialog (a title ``<script>alert(1)</script>``
must stay text), no request leaving the file, charts drawn (plotly's ``.main-svg``), Chinese text in the DOM,
and the ranking table paginated, sortable and searchable. Screenshots go to ``test-artifacts/``.

Skips, with the reason, where chromium or websocket-client is missing; ``.ci/run`` installs chromium.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
XSS_TITLE = "<script>alert(1)</script>"
XSS_REGION = '<img src=x onerror="alert(2)">'


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    """A minimal CDP client: one headless chromium, one page, events collected as they arrive."""

    def __init__(self, exe: str):
        import websocket

        self.profile = tempfile.mkdtemp(prefix="pt-chromium-")
        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--hide-scrollbars", "--mute-audio", f"--user-data-dir={self.profile}",
             "--remote-debugging-port=0", "--remote-allow-origins=*", "--window-size=1280,900", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        port = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            m = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if m:
                port = int(m.group(1))
                break
            if not line and self.proc.poll() is not None:
                break
        if port is None:
            self.close()
            raise RuntimeError("chromium did not start its DevTools endpoint")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            pages = [t for t in json.load(r) if t["type"] == "page"]
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=30,
                                              suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []

    def send(self, method: str, **params) -> dict:
        self.next_id += 1
        my_id = self.next_id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)
                if msg["method"] == "Page.javascriptDialogOpening":  # never leave a dialog blocking the page
                    self.ws.send(json.dumps({"id": 10**6 + len(self.events), "method": "Page.handleJavaScriptDialog",
                                             "params": {"accept": False}}))

    def wait_event(self, method: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        for e in self.events:
            if e["method"] == method:
                return e
        while time.monotonic() < deadline:
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            msg = json.loads(self.ws.recv())
            if "method" in msg:
                self.events.append(msg)
                if msg["method"] == method:
                    return msg
        raise TimeoutError(method)

    def eval(self, expression: str):
        res = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in res:
            raise RuntimeError(res["exceptionDetails"])
        return res["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.eval(expression)
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(expression)

    def screenshot(self, path: Path, clip: dict | None = None) -> None:
        params = {"format": "png"}
        if clip:
            params["clip"] = clip | {"scale": 1}
            params["captureBeyondViewport"] = True
        data = self.send("Page.captureScreenshot", **params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))

    def errors(self) -> list[str]:
        out = []
        for e in self.events:
            m, p = e["method"], e.get("params", {})
            if m == "Runtime.exceptionThrown":
                out.append(f"exception: {p['exceptionDetails'].get('exception', {}).get('description') or p['exceptionDetails'].get('text')}")
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append(f"console.{p['type']}: {[a.get('value', a.get('description')) for a in p.get('args', [])]}")
            elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
                out.append(f"log: {p['entry']['text']} {p['entry'].get('url', '')}")
            elif m == "Page.javascriptDialogOpening":
                out.append(f"dialog: {p.get('message')}")
        return out

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e["method"] == "Network.requestWillBeSent"]

    def close(self) -> None:
        with_ws = getattr(self, "ws", None)
        if with_ws is not None:
            with_ws.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    """The demo corpus plus two hostile documents (a script title, a markup region), reported with --group-by."""
    from policytext.readers import read_corpus
    from policytext.corpus import Document
    from policytext.reports import write_report

    corpus = read_corpus(REPO / "corpora" / "demo")
    corpus.documents.append(Document("hostile/1", "推进社区共治，实现无缝对接和精细化管理。",
                                     {"title": XSS_TITLE, "year": "2022", "region": XSS_REGION,
                                      "intended_level": "fine"}))
    corpus.documents.append(Document("</script><b>2", "坚持粗放管理，一刀切。",
                                     {"title": "=HYPERLINK(\"http://x\")", "year": "2022", "region": "上海",
                                      "intended_level": "crude"}))
    out = tmp_path_factory.mktemp("browser") / "report"
    write_report(corpus, out, group_by=["region", "intended_level"], title="示例报告：<b>精细化</b>治理")
    return out


@pytest.fixture(scope="module")
def browser():
    exe = _chromium()
    if exe is None:
        pytest.skip(reason="chromium not installed (apt-get install -y chromium fonts-noto-cjk; .ci/run does this)")
    pytest.importorskip("websocket", reason="websocket-client not installed (pip install -e '.[test]')")
    b = Browser(exe)
    yield b
    b.close()


def test_report_renders_in_a_real_browser(browser, report_dir):
    b = browser
    for domain in ("Runtime", "Log", "Page", "Network"):
        b.send(f"{domain}.enable")
    b.send("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1, mobile=False)
    url = (report_dir / "report.html").resolve().as_uri()
    b.send("Page.navigate", url=url)
    b.wait_event("Page.loadEventFired")

    # charts drawn: one plotly svg per chart container, after the scripts ran
    n_charts = b.eval("document.querySelectorAll('.pt-chart[data-chart]').length")
    assert n_charts >= 7
    b.wait_for(f"document.querySelectorAll('.pt-chart .main-svg').length >= {n_charts}")
    assert b.eval("document.querySelectorAll('.pt-chart .barlayer .point path').length") >= 20  # bars
    assert b.eval("document.querySelectorAll('.pt-chart .scatterlayer .trace path').length") >= 10  # dots, lines
    assert b.eval("document.querySelectorAll('.pt-chart .heatmaplayer image').length") == 2  # one per --group-by

    # Chinese text in the DOM, the hostile strings shown as text
    text = b.eval("document.body.innerText")
    assert "文件排名" in text and "方法说明" in text and "精细化" in text
    assert b.eval("document.title") == "示例报告：<b>精细化</b>治理"
    assert b.eval("document.querySelectorAll('main b, header b').length") == b.eval(
        "document.querySelectorAll('.pt-box b').length")  # no <b> from data, only the page's own
    assert b.eval("document.querySelectorAll('img').length") == 0
    assert b.eval("[...document.scripts].map(s => s.id || s.type || 'code')") == [
        "pt-ranking-data", "pt-chart-data", "code", "code"]  # the page's own four, none from data

    # ranking table: paginated, sortable, searchable
    assert b.eval("document.querySelectorAll('#pt-ranking tbody tr').length") == 26
    b.eval("document.querySelector('#pt-ranking select.pt-size').value = '25';"
           "document.querySelector('#pt-ranking select.pt-size').dispatchEvent(new Event('change'))")
    assert b.eval("document.querySelectorAll('#pt-ranking tbody tr').length") == 25
    assert b.eval("document.querySelector('#pt-ranking .pt-pages').textContent") == "/ 2 页"
    first = b.eval("document.querySelector('#pt-ranking tbody tr td').textContent")
    assert first == "1"
    b.eval("document.querySelector('#pt-ranking button.pt-next').click()")
    assert b.eval("document.querySelectorAll('#pt-ranking tbody tr').length") == 1
    assert b.eval("document.querySelector('#pt-ranking tbody tr td').textContent") == "26"
    b.eval("document.querySelector('#pt-ranking th[data-key=\"0\"]').click()")  # rank column: ascending? descending
    b.eval("document.querySelector('#pt-ranking button.pt-first').click()")
    assert b.eval("document.querySelector('#pt-ranking tbody tr td').textContent") == "26"
    b.eval("const s = document.querySelector('#pt-ranking input[type=search]'); s.value = 'alert';"
           "s.dispatchEvent(new Event('input'))")
    b.wait_for("document.querySelectorAll('#pt-ranking tbody tr').length === 1")
    assert XSS_TITLE in b.eval("document.querySelector('#pt-ranking tbody tr').innerText")
    assert XSS_TITLE in text and XSS_REGION in text and "</script><b>2" in text

    b.screenshot(ARTIFACTS / "report_top.png")
    y = b.eval("document.getElementById('groups').getBoundingClientRect().top + window.scrollY")
    b.screenshot(ARTIFACTS / "report_groups.png", clip={"x": 0, "y": y, "width": 1280, "height": 1100})

    assert b.errors() == []
    outside = [u for u in b.requests() if not u.startswith(("file:", "data:", "blob:", "about:"))]
    assert outside == []
