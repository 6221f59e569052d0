"""The stream extraction of web pages (policytext.readers._files.html_main_text, issue 13.10) gives exactly the
text that the BeautifulSoup extraction of earlier versions gave. That extraction is kept here, as written
then, as the reference; pages are written by hand for each rule and generated at random (seeded) to mix them."""

from __future__ import annotations

import random
import re

import pytest

from policytext.readers._files import _BLOCK_TAGS, _CONTENT_HINT, _DROP_TAGS, _HTML_SPACE, _MIN_CANDIDATE_SHARE
from policytext.readers._files import html_main_text

bs4 = pytest.importorskip("bs4", reason="the reference extraction needs BeautifulSoup (beautifulsoup4)")


# --------------------------------------------------------------------------- the reference (earlier read_html)


def reference_text(text: str) -> str:
    soup = bs4.BeautifulSoup(text, "lxml")
    for element in [*soup.find_all(_DROP_TAGS), *soup.find_all(_is_hidden)]:
        if not element.decomposed:
            element.decompose()
    root = soup.body or soup
    main = _main_element(root)
    return _block_text(main if main is not None else root)


def _is_hidden(tag) -> bool:
    if tag.has_attr("hidden"):
        return True
    style = tag.get("style")
    return bool(style) and re.search(r"display\s*:\s*none", style, re.IGNORECASE) is not None


def _text_lengths(tag) -> tuple[int, int]:
    total = len(_HTML_SPACE.sub("", tag.get_text()))
    links = sum(len(_HTML_SPACE.sub("", a.get_text())) for a in tag.find_all("a"))
    return total, links


def _is_candidate(tag) -> bool:
    if tag.name in ("article", "main"):
        return True
    hints = [tag.get("id") or "", *(tag.get("class") or [])]
    return any(_CONTENT_HINT.search(h) for h in hints if isinstance(h, str))


def _main_element(root):
    body_total, body_links = _text_lengths(root)
    best, best_score = None, 0
    for tag in root.find_all(_is_candidate):
        total, links = _text_lengths(tag)
        score = total - 2 * links
        if score > best_score:
            best, best_score = tag, score
    if best is None or best_score < _MIN_CANDIDATE_SHARE * (body_total - body_links):
        return None
    return best


def _block_text(root) -> str:
    from bs4 import NavigableString, Tag
    from bs4.element import PreformattedString, Script, Stylesheet, TemplateString

    lines: list[str] = []
    current: list[str] = []

    def end_line() -> None:
        line = "".join(current).strip(" \t\n\r\f")
        if line and not line.isspace():
            lines.append(line)
        current.clear()

    end = object()
    stack: list = [root]
    while stack:
        node = stack.pop()
        if node is end:
            end_line()
        elif isinstance(node, NavigableString):
            if not isinstance(node, (PreformattedString, Script, Stylesheet, TemplateString)):
                current.append(_HTML_SPACE.sub(" ", str(node)))
        elif isinstance(node, Tag):
            if node.name == "br":
                end_line()
                continue
            if node.name in _BLOCK_TAGS:
                end_line()
                stack.append(end)
            stack.extend(reversed(node.contents))
    end_line()
    return "\n".join(lines)


# --------------------------------------------------------------------------- pages written for each rule

PAGES = [
    "",
    "纯文本，没有标签。",
    "<p>一</p><p>二</p>",
    "<html><head><title>标题</title></head><body><p>正文。</p></body></html>",
    "<html><head><title>只有标题</title></head></html>",
    "<body hidden><p>隐藏的主体</p></body>",
    '<body style="display: NONE"><p>隐藏</p></body><p>之后</p>',
    "<div class='content'><p>甲乙丙丁戊己庚辛。</p></div><div>短</div>",
    "<div class='content'><div class='content'><p>嵌套的候选。</p></div></div>",
    "<div id=main><ul>" + "".join(f"<li><a href=#>链接标题{i}</a></li>" for i in range(9)) + "</ul>"
    "<article><p>文章正文比较长，应当胜出。</p></article></div>",
    "<div class=text><a href=#>外链<a href=#>内链</a>文字</a>正文正文正文正文</div>",
    "<a class=content href=#>链接本身是候选<a>再一层</a></a><p>旁边</p>",
    # a link inside a link (through a block): its text counts once per link around it
    "<div class=text>" + "文" * 30 + "<a href=#>外链<div><a href=#>" + "内" * 8 + "</a></div></a></div>"
    "<div class=content>" + "正" * 10 + "</div>",
    "<span class=zoom>行内候选</span>前后<span>文字</span><p>段落</p>",
    "<p>第一行<br>第二行<br/>第三行</p><br><br>",
    "<p>  多个   空格\n\n换行\t制表 </p><p>&nbsp;</p><p>\u3000全角空格\u3000</p>",
    "<pre>  保留\n  格式  </pre><textarea> 文本框 </textarea>",
    "<p>前<!-- 注释 -->后</p><p>a <!--x--> b</p>",
    "<p>前<?php echo 1 ?>后</p>",
    "<!DOCTYPE html><html><body><p>有文档类型</p></body></html>",
    "<ruby>汉<rp>(</rp><rt>hàn</rt><rp>)</rp></ruby><div class=content><ruby>字<rt>zì</rt></ruby>正文</div>",
    "<rt class=content>注音候选比较长的文字</rt><p>正文</p>",
    "<div class=main><script>var x=1;</script><style>p{}</style><template><p>模板</p></template>正文</div>",
    "<nav>导航</nav><header>页头</header><footer>页脚</footer><aside>边栏</aside><form>表单</form>"
    "<noscript>无脚本</noscript><iframe>框</iframe><svg><text>图</text></svg><p>留下</p>",
    "<table><tr><td>单元格一</td><td>单元格二</td></tr></table><ul><li>项</li></ul>",
    "<div class='a content b'>多个类名里的候选，足够长的正文内容。</div><p>别的</p>",
    "<div id=CONTENT>大写的提示词，也算。</div>",
    "<p>未闭合<p>段落<div>块</p>文字",
    "<body><p>一</p></body><body><p>二</p></body>",
    "\ufeff<p>带字节顺序标记</p>",
    "<p>&lt;实体&gt; &amp; &#20013;&#x6587; &copy;</p>",
    "<o:p>Word 的标签</o:p><p class=MsoNormal>正文</p>",
    "<div class=content></div><p>空候选</p>",
    "<main>主体元素里的文字，长度足够。</main><div class=content>内容</div>",
    "<div><p hidden>隐藏段落</p><p>可见段落</p></div>",
    "<div class=editor>" + "<p>段落文字。</p>" * 20 + "</div>" + "<p>正文之外的段落。</p>" * 30,
]


@pytest.mark.parametrize("page", PAGES)
def test_written_pages_give_the_reference_text(page):
    assert html_main_text(page) == reference_text(page)


# --------------------------------------------------------------------------- generated pages

_TAGS = ["div", "p", "span", "a", "article", "main", "section", "li", "ul", "td", "tr", "table", "b", "br", "h2",
         "pre", "script", "style", "nav", "footer", "template", "rt", "rp", "ruby", "body", "title", "em", "font"]
_WORDS = ["精细化", "治理", "社区", "网格", "服务", "  ", "\n", "\t", "，", "。", "&nbsp;", "\u3000", "abc", "1", " ",
          "&amp;", "<!-- c -->", "考评"]


def _attrs(rng: random.Random) -> str:
    out = []
    if rng.random() < 0.25:
        out.append(f'class="{rng.choice(["content", "x main-text", "nav", "TRS_Editor", "side", "zoom y"])}"')
    if rng.random() < 0.1:
        out.append(f'id="{rng.choice(["article", "foot", "UCAP-CONTENT", "menu"])}"')
    if rng.random() < 0.05:
        out.append("hidden")
    if rng.random() < 0.05:
        out.append(f'style="{rng.choice(["display:none", "color:red", "DISPLAY : none"])}"')
    return (" " + " ".join(out)) if out else ""


def _element(rng: random.Random, depth: int) -> str:
    parts = []
    for _ in range(rng.randint(0, 4)):
        if depth < 5 and rng.random() < 0.45:
            tag = rng.choice(_TAGS)
            inner = _element(rng, depth + 1)
            close = "" if rng.random() < 0.08 else f"</{tag}>"  # now and then left open
            parts.append(f"<{tag}{_attrs(rng)}>{inner}{close}")
        else:
            parts.append("".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 6))))
    return "".join(parts)


def _page(seed: int) -> str:
    rng = random.Random(seed)
    body = _element(rng, 0)
    shape = rng.random()
    if shape < 0.4:
        return f"<html><head><title>题{seed}</title></head><body>{body}</body></html>"
    if shape < 0.7:
        return body
    return f"<!DOCTYPE html><html><body{_attrs(rng)}>{body}</body></html>{_element(rng, 3)}"


def test_generated_pages_give_the_reference_text():
    differ = [seed for seed in range(1500) if html_main_text(_page(seed)) != reference_text(_page(seed))]
    assert not differ, f"pages {differ[:5]} differ, e.g.\n{_page(differ[0])}"


@pytest.mark.parametrize("feed_chars", [1, 7, 512])
def test_the_text_does_not_depend_on_how_the_page_is_cut_for_the_parser(monkeypatch, feed_chars):
    import policytext.readers._files as files

    pages = PAGES + [_page(seed) for seed in range(300)]
    whole = [html_main_text(page) for page in pages]
    monkeypatch.setattr(files, "_HTML_FEED_CHARS", feed_chars)
    assert [html_main_text(page) for page in pages] == whole


def test_a_large_page_gives_the_reference_text():
    rng = random.Random(7)
    page = ("<html><body><nav>" + "<a href=#>导航</a>" * 50 + "</nav><div class=content>"
            + "".join(f"<p>{_element(rng, 4)}第{i}段。</p>\n" for i in range(3000)) + "</div></body></html>")
    assert html_main_text(page) == reference_text(page)
