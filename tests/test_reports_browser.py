"""The report in a real headless browser (Debian's chromium), driven over the Chrome DevTools Protocol.

Chromium is started with ``--remote-debugging-port=0`` on about:blank; the test attaches to the page over a
WebSocket (websocket-client), turns on the Runtime, Log, Page and Network domains, then opens report.html from
disk. It checks: no console error, no uncaught exception, no dialog (a title ``<script>alert(1)</script>``
must stay text), no request leaving the file, charts drawn (plotly's ``.main-svg``), Chinese text in the DOM,
and the ranking table paginated, sortable and searchable. Screenshots go to ``test-artifacts/`` (or the folder
named by ``PT_ARTIFACTS``); the tests print where.

Fonts are checked, not assumed: :data:`CJK_CHECK` draws Chinese characters on a canvas in the page's own font
stack and compares each with a glyph no font has (U+10FFFD): equal pixels mean a box. ``document.fonts.check``
is reported too, but it answers true for a font that is not installed. ``CSS.getPlatformFontsForNode`` names the
font that drew the heading. The check is shown to fail in a chromium whose fontconfig sees one Latin font only.

The provincial work reports (``../shared/corpora/provincial_gwr``, both years, by province and year) are
reported and photographed when that folder is present; the axes are read back from the drawn charts.

Skips, with the reason, where chromium or websocket-client is missing; ``.ci/run`` installs chromium and
fonts-noto-cjk.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("PT_ARTIFACTS") or REPO / "test-artifacts")
PROVINCIAL = REPO.parent / "shared" / "corpora" / "provincial_gwr"
#: per Chinese character of a sample, whether it is drawn exactly like a code point no font has (a box)
CJK_CHECK = r"""(() => {
  const fam = getComputedStyle(document.body).fontFamily;
  const c = document.createElement('canvas'); c.width = 48; c.height = 48;
  const ctx = c.getContext('2d');
  const draw = (s) => { ctx.clearRect(0, 0, 48, 48); ctx.font = '32px ' + fam; ctx.fillText(s, 4, 36);
                        return Array.from(ctx.getImageData(0, 0, 48, 48).data).join(','); };
  const tofu = draw('\u{10FFFD}');
  const chars = [...'精细化治理报告省份年份'];
  return {family: fam, fonts_check: document.fonts.check('16px "Noto Sans CJK SC"'),
          boxes: chars.filter(ch => draw(ch) === tofu), n: chars.length};
})()"""
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

    def __init__(self, exe: str, env: dict | None = None):
        import websocket

        self.profile = tempfile.mkdtemp(prefix="pt-chromium-")
        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--hide-scrollbars", "--mute-audio", f"--user-data-dir={self.profile}",
             "--remote-debugging-port=0", "--remote-allow-origins=*", "--window-size=1280,900", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
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

    def open(self, path: Path, width: int = 1280, height: int = 900) -> None:
        """Open a file and wait for its charts (every ``.pt-chart`` holds plotly's svg)."""
        for domain in ("Runtime", "Log", "Page", "Network", "DOM", "CSS"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        self.events = []
        self.send("Page.navigate", url=path.resolve().as_uri())
        self.wait_event("Page.loadEventFired")
        n = self.eval("document.querySelectorAll('.pt-chart[data-chart]').length")
        self.wait_for(f"document.querySelectorAll('.pt-chart .main-svg').length >= {n}")

    def cjk_fonts(self) -> dict:
        """What drew the Chinese text: the canvas comparison (:data:`CJK_CHECK`) and the platform fonts of h1."""
        out = self.eval(CJK_CHECK)
        root = self.send("DOM.getDocument")["root"]["nodeId"]
        h1 = self.send("DOM.querySelector", nodeId=root, selector="h1")["nodeId"]
        out["h1_fonts"] = [f["familyName"] for f in self.send("CSS.getPlatformFontsForNode", nodeId=h1)["fonts"]]
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
    for domain in ("Runtime", "Log", "Page", "Network", "DOM", "CSS"):
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

    assert_cjk_renders(b.cjk_fonts())
    b.screenshot(ARTIFACTS / "report_top.png")
    y = b.eval("document.getElementById('groups').getBoundingClientRect().top + window.scrollY")
    b.screenshot(ARTIFACTS / "report_groups.png", clip={"x": 0, "y": y, "width": 1280, "height": 1100})

    assert b.errors() == []
    outside = [u for u in b.requests() if not u.startswith(("file:", "data:", "blob:", "about:"))]
    assert outside == []


CJK_FAMILIES = ("Noto Sans CJK", "Noto Serif CJK", "Source Han", "Microsoft YaHei", "PingFang", "Hiragino",
                "WenQuanYi", "SimHei")


def assert_cjk_renders(fonts: dict) -> None:
    """Chinese text is drawn with a CJK font: no character drawn as the box of a missing glyph, and the heading
    drawn by a font of the page's CJK stack."""
    assert fonts["fonts_check"], fonts
    assert fonts["boxes"] == [], f"drawn as boxes (no CJK font): {fonts}"
    assert any(f.startswith(CJK_FAMILIES) for f in fonts["h1_fonts"]), fonts


def _show(record_property, *paths: Path) -> None:
    """Name the screenshots at the end of the run (tests/conftest.py prints every ``show`` property; a worker's
    own output is not shown under pytest-xdist)."""
    for p in paths:
        record_property("show", f"[artifact] {p}")


def test_chinese_text_renders_with_a_cjk_font(browser, report_dir):
    browser.open(report_dir / "report.html")
    assert_cjk_renders(browser.cjk_fonts())


def test_the_font_check_fails_where_no_cjk_font_is_installed(report_dir, tmp_path):
    """A chromium whose fontconfig sees one Latin font only (as a machine without fonts-noto-cjk): the page
    draws boxes, and the check says so."""
    exe = _chromium()
    if exe is None:
        pytest.skip(reason="chromium not installed (apt-get install -y chromium fonts-noto-cjk; .ci/run does this)")
    pytest.importorskip("websocket", reason="websocket-client not installed (pip install -e '.[test]')")
    if shutil.which("fc-list") is None:
        pytest.skip(reason="fc-list (fontconfig) not installed: cannot build a CJK-less font configuration")
    listed = subprocess.run(["fc-list", "--format", "%{file}|%{lang}\n"], capture_output=True, text=True).stdout
    latin = sorted(line.split("|")[0] for line in listed.splitlines()
                   if "|" in line and "zh" not in line.split("|")[1] and line.split("|")[0].endswith((".ttf", ".otf")))
    if not latin:
        pytest.skip(reason="fc-list found no font without Chinese to build a CJK-less fontconfig from")
    fonts_dir = tmp_path / "fonts"
    fonts_dir.mkdir()
    (fonts_dir / Path(latin[0]).name).symlink_to(latin[0])
    conf = tmp_path / "fonts.conf"
    conf.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig><dir>{fonts_dir}</dir>'
                    f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>\n", encoding="utf-8")
    b = Browser(exe, env={**os.environ, "FONTCONFIG_FILE": str(conf)})
    try:
        b.open(report_dir / "report.html")
        fonts = b.cjk_fonts()
    finally:
        b.close()
    assert len(fonts["boxes"]) == fonts["n"]  # every character a box
    with pytest.raises(AssertionError, match="drawn as boxes"):
        assert_cjk_renders(fonts)


@pytest.fixture(scope="module")
def provincial_dir(tmp_path_factory):
    if not (PROVINCIAL / "metadata.csv").is_file():
        pytest.skip(reason=f"{PROVINCIAL} not present (the shared corpora are in CI)")
    from policytext.reports import write_report

    out = tmp_path_factory.mktemp("provincial") / "report"
    from policytext.readers import read_corpus

    corpus = read_corpus(PROVINCIAL, glob=["202*/*.txt"])
    write_report(corpus, out, group_by=["province", "year"])
    return out


def _ticks(b, chart: str, axis: str) -> list[str]:
    return b.eval(f"[...document.querySelectorAll('#chart-{chart} .{axis}tick text')].map(t => t.textContent)")


def test_provincial_report_axes_fonts_and_screenshots(browser, provincial_dir, record_property):
    b = browser
    b.open(provincial_dir / "report.html")
    assert_cjk_renders(b.cjk_fonts())
    layout = "document.getElementById('chart-{}')._fullLayout.{}.type"
    # group-0 is province (31 groups), group-1 is year: categories, never 2,024.5
    assert b.eval(layout.format("group-heat-1", "yaxis")) == "category"
    assert _ticks(b, "group-heat-1", "y") in (["2025", "2026"], ["2026", "2025"])
    assert b.eval(layout.format("group-1", "yaxis")) == "category"
    assert sorted(_ticks(b, "group-1", "y")) == ["2025 (n=31)", "2026 (n=31)"]
    assert len(_ticks(b, "group-heat-0", "y")) == 31 and "黑龙江" in _ticks(b, "group-heat-0", "y")
    # the trend: two years, one tick each
    assert _ticks(b, "trend", "x") == ["2025", "2026"]
    assert b.eval(layout.format("trend", "xaxis")) == "linear"
    # Chinese headings in the tables, no interval for groups of two
    text = b.eval("document.body.innerText")
    assert "按“省份”比较" in text and "按“年份”比较" in text and "province" not in b.eval(
        "[...document.querySelectorAll('th')].map(t => t.textContent).join(' ')")
    assert "—（不足 5 份文件，无区间）" in text
    top, groups = ARTIFACTS / "provincial_top.png", ARTIFACTS / "provincial_groups.png"
    b.screenshot(top)
    y = b.eval("document.getElementById('groups').getBoundingClientRect().top + window.scrollY")
    b.screenshot(groups, clip={"x": 0, "y": y, "width": 1280, "height": 1800})
    _show(record_property, top, groups)
    assert b.errors() == []
