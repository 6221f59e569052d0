"""Human names for the machine names of a report: column headings, category labels, metadata columns.

The page, the workbook and the Word file show Chinese headings by default (``lang="zh"``) and English ones
with ``lang="en"``; the machine names (``index``, ``per10k_grassroots``, ``province``) stay in the files that
scripts read (``scores.csv``, the second header row of ``report.xlsx``) and are explained in ``columns.csv``.

>>> Labels(None, "zh").column("mean_index")
'平均指数'
>>> Labels(None, "en").column("mean_index")
'Mean index'
>>> Labels(None, "zh").column("province"), Labels(None, "zh").column("发文机关")
('省份', '发文机关')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

import pandas as pd

from ..errors import ConfigError

if TYPE_CHECKING:
    from ..lexicon import Lexicon

__all__ = ["LANGS", "Labels", "column_table"]

LANGS = ("zh", "en")

#: machine name -> (Chinese heading, English heading, formula or meaning in Chinese)
COLUMNS: dict[str, tuple[str, str, str]] = {
    "rank": ("排名", "Rank", "按 index 从高到低的名次（并列时按 doc_id）"),
    "doc_id": ("文件编号", "Document", "文件的相对路径（去掉扩展名）或 id 列"),
    "index": ("精细化治理指数", "Index", "index_positive − index_contrast"),
    "index_positive": ("正向得分", "Positive score",
                       "10000 × Σ（正向维度命中词语的权重）÷ n_chars"),
    "index_contrast": ("反向得分", "Contrast score",
                       "10000 × Σ（反向维度命中词语的权重）÷ n_chars"),
    "sentence_share": ("句子占比", "Sentence share",
                       "至少含一个正向维度命中词语的句子数 ÷ n_sentences（0–1；句子以 。！？； 和换行切分）"),
    "n_sentences": ("句子数", "Sentences", "以 。！？； 和换行切分的非空句子数"),
    "sentences_positive": ("正向句子数", "Positive sentences", "至少含一个正向维度命中词语的句子数"),
    "crude_rejected": ("排除的反向命中", "Crude hits rejected", "反向维度中被上下文规则排除、未计数的命中数"),
    "short": ("短文本", "Short text", "1 = 字数低于评分规定的下限，频率不稳定；0 = 否"),
    "coverage": ("覆盖", "Coverage", "1 = 至少命中一次正向维度，0 = 没有；该列的均值即覆盖文件比例"),
    "n_chars": ("字数", "Characters", "规范化文本中非空白字符的数量（含标点）"),
    "n_tokens": ("词数", "Tokens", "分词后的非空白、非标点词数"),
    "hits_total": ("命中数", "Hits", "全部维度命中次数之和"),
    "n_terms": ("命中词语数", "Distinct terms", "命中的不同词语数"),
    "top_terms": ("主要词语", "Top terms", "出现最多的五个词语（次数）"),
    # group tables
    "kind": ("类型", "Kind", "group = 分组列，year = 时间趋势"),
    "column": ("分组列", "Column", "分组所依据的元数据列"),
    "group": ("组", "Group", "该列的取值（空值记为（缺失））"),
    "n": ("文件数", "Documents", "组内已评分文件数"),
    "n_short": ("短文本数", "Short texts", "组内 short = 1 的文件数"),
    "mean_index": ("平均指数", "Mean index", "组内 index 的均值"),
    "ci_low": ("95% 区间下限", "95% CI low", "百分位自助法 2.5% 分位数；文件少于 5 份的组为空"),
    "ci_high": ("95% 区间上限", "95% CI high", "百分位自助法 97.5% 分位数；文件少于 5 份的组为空"),
    "ci_note": ("区间说明", "CI note", "为何没有区间"),
    "ci": ("95% 置信区间", "95% CI", "百分位自助法区间；文件少于 5 份的组为“—”"),
    "top_terms_group": ("主要词语（次数，前 5 个）", "Top terms (hits, first 5)", "组内出现最多的五个词语"),
    "mean_sentence_share": ("平均句子占比", "Mean sentence share", "组内 sentence_share 的均值"),
    "median_index": ("指数中位数", "Median index", "组内 index 的中位数"),
    "sd_index": ("指数标准差", "SD of index", "组内 index 的标准差（n − 1）"),
    "coverage_share": ("覆盖率", "Coverage share", "组内 coverage = 1 的文件比例"),
    "mean_index_positive": ("平均正向得分", "Mean positive score", "组内 index_positive 的均值"),
    "mean_index_contrast": ("平均反向得分", "Mean contrast score", "组内 index_contrast 的均值"),
    # categories
    "category": ("维度代码", "Category code", "词典中的维度代码"),
    "label": ("维度", "Category", "词典中的中文名称"),
    "label_en": ("英文名称", "English label", "词典中的英文名称"),
    "polarity": ("方向", "Polarity", "+1 正向，−1 反向"),
    "weight": ("默认权重", "Weight", "维度的默认权重"),
    "docs_with_hits": ("出现的文件数", "Documents with hits", "至少命中一次该维度的文件数"),
    "share_docs": ("文件比例", "Share of documents", "docs_with_hits ÷ 已评分文件数"),
    "hits": ("出现次数", "Hits", "命中次数"),
    "mean_per10k": ("平均每万字", "Mean per 10k chars", "各文件每万字频率的均值"),
    "median_per10k": ("中位数每万字", "Median per 10k chars", "各文件每万字频率的中位数"),
    # terms and evidence
    "scope_column": ("范围列", "Scope column", "空 = 全部文件；否则为分组列"),
    "scope": ("范围", "Scope", "全部，或分组列的一个取值"),
    "term": ("词语", "Term", "词典词语"),
    "docs": ("文件数", "Documents", "出现该词的文件数"),
    "title": ("标题", "Title", "元数据中的标题"),
    "start": ("起始位置", "Start", "规范化文本中的字符偏移"),
    "end": ("结束位置", "End", "规范化文本中的字符偏移（不含）"),
    "left": ("上文", "Left context", "命中词语之前的文字"),
    "match": ("命中", "Match", "命中的词语"),
    "right": ("下文", "Right context", "命中词语之后的文字"),
    # errors, summary, manifest
    "source": ("来源", "Source", "输入文件"),
    "error": ("错误类型", "Error", "错误类型"),
    "message": ("原因", "Reason", "未能评分的原因"),
    "key": ("键", "Key", "机器可读的名称"),
    "item": ("项目", "Item", "说明"),
    "value": ("值", "Value", "值"),
}

#: per-category columns: prefix -> (Chinese suffix, English suffix, formula with {c})
CATEGORY_COLUMNS = {
    "per10k_": ("每万字", "per 10k chars", "10000 × hits_{c} ÷ n_chars"),
    "hits_": ("命中数", "hits", "该维度词语的命中次数"),
    "per1ktok_": ("每千词", "per 1k tokens", "1000 × hits_{c} ÷ n_tokens"),
    "sentence_share_": ("句子占比", "sentence share", "至少含一个该维度命中词语的句子数 ÷ n_sentences"),
}

#: common metadata column names -> (Chinese, English)
METADATA = {
    "province": ("省份", "Province"), "region": ("地区", "Region"), "city": ("城市", "City"),
    "county": ("区县", "County"), "year": ("年份", "Year"), "date": ("日期", "Date"),
    "publish_date": ("发布日期", "Publication date"), "version_date": ("版本日期", "Version date"),
    "issuer": ("发文机关", "Issuer"), "agency": ("机构", "Agency"), "level": ("层级", "Level"),
    "issuer_or_region": ("发文机关或地区", "Issuer or region"), "doc_type": ("文种", "Document type"),
    "type": ("类型", "Type"), "source": ("来源", "Source"), "author": ("作者", "Author"),
    "intended_level": ("设计水平", "Intended level"), "adcode": ("行政区划代码", "Area code"),
}


class Labels:
    """Headings in one language for a lexicon's categories, score columns and metadata columns."""

    def __init__(self, lexicon: Lexicon | None, lang: str = "zh"):
        if lang not in LANGS:
            raise ConfigError(f"unknown report language {lang!r}; use one of {', '.join(LANGS)}")
        self.lang = lang
        self.lexicon = lexicon
        self._i = 0 if lang == "zh" else 1

    def category(self, code: str) -> str:
        """The category's label in the report language (the code when the lexicon has none)."""
        if self.lexicon is None or code not in self.lexicon.categories:
            return str(code)
        cat = self.lexicon.category(code)
        return (cat.label if self.lang == "zh" else cat.label_en) or cat.label or code

    def categories(self, codes: str) -> str:
        """Labels of ``a/b`` joined categories (a term listed in two)."""
        return "/".join(self.category(c) for c in str(codes).split("/"))

    def column(self, name: str) -> str:
        """The heading of a column: score and table columns, per-category columns, common metadata names;
        any other name is its own heading."""
        name = str(name)
        if name in COLUMNS:
            return COLUMNS[name][self._i]
        for prefix, (zh, en, _) in CATEGORY_COLUMNS.items():
            if name.startswith(prefix) and self.lexicon is not None and name[len(prefix):] in self.lexicon.categories:
                label = self.category(name[len(prefix):])
                return f"{label}·{zh}" if self.lang == "zh" else f"{label}, {en}"
        if name.lower() in METADATA:
            return METADATA[name.lower()][self._i]
        return name

    def formula(self, name: str) -> str:
        """What a column holds, in Chinese (empty for metadata columns)."""
        if name in COLUMNS:
            return COLUMNS[name][2]
        for prefix, (_, _, formula) in CATEGORY_COLUMNS.items():
            if name.startswith(prefix) and self.lexicon is not None and name[len(prefix):] in self.lexicon.categories:
                return formula.replace("{c}", name[len(prefix):])
        return "元数据" if self.lang == "zh" else "metadata"

    def headings(self, columns: Iterable[str]) -> list[str]:
        return [self.column(c) for c in columns]


def column_table(columns: Iterable[str], lexicon: Lexicon | None, *, rounding: dict | None = None) -> pd.DataFrame:
    """``columns.csv``: one row per column of ``scores.csv``: ``name``, ``label`` (Chinese), ``label_en``,
    ``formula`` (what it holds) and ``decimals`` (how it was rounded; empty when not rounded)."""
    zh, en = Labels(lexicon, "zh"), Labels(lexicon, "en")
    rounding = rounding or {}
    rows = [{"name": c, "label": zh.column(c), "label_en": en.column(c), "formula": zh.formula(c),
             "decimals": rounding.get(c)} for c in columns]
    return pd.DataFrame(rows, columns=["name", "label", "label_en", "formula", "decimals"]).astype(
        {"decimals": "Int64"})
