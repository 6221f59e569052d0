"""Normalisation: NFKC, invisible characters, traditional -> simplified, hard wraps."""

from policytext.normalize import is_cjk, join_hard_wraps, normalize_text


def test_nfkc_folds_fullwidth_digits_letters_and_ascii_punctuation():
    assert normalize_text("２０２５年ＡＢＣ，第（一）条") == "2025年ABC,第(一)条"


def test_cjk_punctuation_is_kept():
    assert normalize_text("一、总体要求。") == "一、总体要求。"


def test_invisible_characters_are_removed():
    assert normalize_text("共\u200b治\u200c与\u200d精\u2060细\ufeff化\u00ad") == "共治与精细化"


def test_the_invisible_character_test_is_the_regex_class():
    import random
    import re

    from policytext.normalize import _INVISIBLE_CHARS, _has_invisible

    regex = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e]")
    rng = random.Random(3)
    alphabet = list(_INVISIBLE_CHARS) + ["治", "a", "\u200a", "\u200e", "\u2061", "\ufefe", "\u00ac", "\U00020000"]
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        assert _has_invisible(text) == bool(regex.search(text)), repr(text)
    for ch in _INVISIBLE_CHARS:  # each one alone in a long text is removed
        assert normalize_text("治理" * 300 + ch + "治理") == "治理" * 301


def test_traditional_to_simplified_is_on_by_default_and_switchable():
    assert normalize_text("精細化治理與無縫對接") == "精细化治理与无缝对接"
    assert normalize_text("精細化治理", t2s=False) == "精細化治理"


def test_line_endings():
    assert normalize_text("甲。\r\n乙。\r丙。") == "甲。\n乙。\n丙。"


def test_hard_wraps_between_cjk_characters_are_joined():
    assert join_hard_wraps("推进社区精细\n化治理，实现无缝\n  对接。") == "推进社区精细化治理，实现无缝对接。"


def test_breaks_after_sentence_punctuation_blank_lines_and_before_headings_are_kept():
    text = "完成任务。\n下一段\n\n新段落\n一、总体要求\n（二）主要任务\n第三条 职责\n1.目标"
    assert join_hard_wraps(text) == text
    assert join_hard_wraps("本条\n第三条") == "本条\n第三条"
    assert join_hard_wraps("本条\n第三方评估") == "本条第三方评估"


def test_breaks_next_to_latin_or_digits_are_kept():
    assert join_hard_wraps("建设5G\n基站") == "建设5G\n基站"


def test_join_hard_wraps_equals_its_rule_written_as_one_regex():
    """join_hard_wraps finds breaks from the newline for speed; the rule it implements is the regex _WRAP."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from policytext.normalize import _WRAP

    pieces = st.sampled_from(["治", "理", "\n", " ", "\t", "\u3000", "a", "5", "。", "一、", "（二）", "第三条", "1.",
                              "第三方", "二", "\n\n", "〇"])

    @settings(max_examples=400, deadline=None)
    @given(st.one_of(st.lists(pieces, max_size=30).map("".join), st.text(alphabet="治 \n\t\u3000a一、", max_size=30)))
    def check(text):
        assert join_hard_wraps(text) == _WRAP.sub("", text)

    check()


def test_is_cjk():
    assert [is_cjk(c) for c in "治a。〇"] == [True, False, False, True]


def test_fast_nfkc_equals_unicodedata():
    import unicodedata

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from policytext.normalize import nfkc

    cases = ["e\u0301", "治e\u0301", "ｅ\u0301", "a\u0308\u0323", "カ\u3099", "ｶﾞ", "\u1100\u1161\u11a8", "A\ufb01",
             "１２３，４", "…。\u3000", "〇一\u2460", "", "\n\t\r\n"]
    for text in cases:
        assert nfkc(text) == unicodedata.normalize("NFKC", text), repr(text)
    for text in cases[:10]:  # 64 to 511 characters: the regex runs (shorter texts go to unicodedata whole)
        text = "治理，" * 22 + text * 3
        assert 64 <= len(text) < 512 and nfkc(text) == unicodedata.normalize("NFKC", text), repr(text)
    long = "推进Ａ\u0301，ｅ\u0301\u3000\uff5e\u0323" * 80  # over 512 characters: the numpy folding path
    assert len(long) > 512 and nfkc(long) == unicodedata.normalize("NFKC", long)
    # over 512 characters without full-width forms (the runs found with numpy on the text's own code points),
    # with characters above U+FFFF, U+FFFF itself, a run at each end
    for long in ("e\u0301推进、\U00020000\u2460…\uffff\t\n治理" * 60 + "\u2460", "\u2460" + "治理。" * 300 + "e\u0301",
                 "治理。" * 300):
        assert len(long) > 512 and nfkc(long) == unicodedata.normalize("NFKC", long), long[:20]
    pieces = st.sampled_from(["治", "理", "a", "e", "\u0301", "\u0323", "\u3099", "カ", "ｶ", "ﾞ", "，", "。", "\u3000",
                              "１", "Ａ", "\uff01", "\uff5e", "\u1100", "\u1161", "\ufb01", "\n", " ", "\U00020000",
                              "\u2460", "…", "\t"])

    @settings(max_examples=300, deadline=None)
    @given(st.one_of(st.text(max_size=60), st.lists(pieces, max_size=30).map("".join),
                     st.tuples(st.lists(pieces, min_size=1, max_size=30).map("".join),
                               st.integers(1, 60)).map(lambda t: t[0] * t[1])))
    def check(text):
        assert nfkc(text) == unicodedata.normalize("NFKC", text)

    check()


# --------------------------------------------------------------------------- long texts in slices (issue 13.10)

# characters next to which a cut could go wrong: line breaks and returns, spaces, combining marks, full-width
# forms, invisible characters, heading characters, traditional characters inside OpenCC phrases, quotes
_SLICE_ALPHABET = list("。。。\n\n\r 　\t、，,；第条一二（）(1.精细化治理網格後台乾隆發財面條著名隻憑藉深沈\u0301\u200b\u2060ＡＢ２ｅ“”")


def _whole(text, **kw):
    import policytext.normalize as nz

    return nz._normalize(text, kw.get("t2s", True), kw.get("join_wraps", True))


def test_normalising_in_slices_gives_the_normalisation_of_the_whole():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from policytext.normalize import normalization_slices, normalized_slices

    @settings(max_examples=600, deadline=None)
    @given(st.text(alphabet=st.sampled_from(_SLICE_ALPHABET), max_size=120), st.integers(1, 12),
           st.booleans(), st.booleans())
    def check(text, size, t2s, join_wraps):
        slices = normalization_slices(text, size)
        assert slices[0][0] == 0 and slices[-1][1] == len(text)
        assert all(b == c for (_, b), (c, _) in zip(slices, slices[1:]))
        joined = "".join(normalized_slices(text, t2s=t2s, join_wraps=join_wraps, size=size))
        assert joined == _whole(text, t2s=t2s, join_wraps=join_wraps)

    check()


def test_long_texts_are_normalised_in_slices_with_the_same_result(monkeypatch):
    import random

    import policytext.normalize as nz

    rng = random.Random(4)
    text = "".join(rng.choice(_SLICE_ALPHABET) for _ in range(20_000))
    monkeypatch.setattr(nz, "SLICE_CHARS", 37)
    assert len(nz.normalization_slices(text)) > 300
    assert normalize_text(text) == _whole(text)


def test_slices_are_cut_before_an_ideograph_after_a_full_stop_or_a_blank_line():
    from policytext.normalize import normalization_slices

    text = "甲乙。丙丁\n戊己。\n庚辛\n\n壬癸。”子丑\n寅"
    cuts = [b for _, b in normalization_slices(text, 1)[:-1]]
    assert [text[c - 1:c + 1] for c in cuts] == ["。丙", "\n庚", "\n壬"]  # never after 。” or a lone \n
    assert normalization_slices("无标点的长文本" * 10, 5) == [(0, 70)]
    crlf = "甲。\r\n乙\r\n丙\r\n\r\n丁"
    assert [crlf[c - 2:c + 1] for _, c in normalization_slices(crlf, 1)[:-1]] == ["\r\n乙", "\r\n丁"]


def test_opencc_keys_longer_than_one_character_are_made_of_ideographs_only(tmp_path):
    """The premise of slicing t2s: no key of the installed t2s dictionaries spans 。 or a line break."""
    import re

    import opencc

    _, names, entries = _t2s_dictionaries(tmp_path)
    assert "TSPhrases.ocd2" in names
    ideographs = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]+")
    for name in names:
        keys = [k for k, _ in entries[name]]
        assert keys and all(ideographs.fullmatch(k) for k in keys if len(k) > 1), name
    assert opencc.OpenCC("t2s").convert("。\n") == "。\n"


# --------------------------------------------------------------------------- t2s without OpenCC where it changes nothing

def _t2s_dictionaries(folder):
    """The installed t2s configuration, read with OpenCC's own ``opencc_dict`` tool: ``(config path, names of
    the dictionary files, {name: [(key, values)]})``; the test skips where the tool or the file is missing."""
    import json
    import os
    import re
    import subprocess

    import opencc
    import pytest

    config = opencc.OpenCC("t2s").config
    tool = os.path.join(os.path.dirname(opencc.__file__), "clib", "bin", "opencc_dict")
    if not (os.path.isfile(tool) and os.path.isfile(config)):
        pytest.skip(reason="this OpenCC build ships no opencc_dict tool or t2s.json to read its dictionaries with")
    with open(config, encoding="utf-8") as fh:
        names = re.findall(r'"file"\s*:\s*"([^"]+)"', json.dumps(json.load(fh)))
    entries = {}
    for name in names:
        assert name.endswith(".ocd2"), name
        out = os.path.join(str(folder), name + ".txt")
        subprocess.run([tool, "-i", os.path.join(os.path.dirname(config), name), "-o", out, "-f", "ocd2",
                        "-t", "text"], check=True, capture_output=True)
        with open(out, encoding="utf-8") as fh:
            entries[name] = [(k, v.split(" ")) for k, v in (line.rstrip("\n").split("\t") for line in fh)]
        assert entries[name], name
    return config, names, entries


def _derive_t2s_changes(folder) -> dict:
    """What ``policytext/data/opencc_t2s_changes.json`` must hold: every key of every dictionary t2s uses
    whose default value (its first) differs from it, and the sha256 of the files it was read from."""
    import hashlib
    import os

    import opencc

    config, names, entries = _t2s_dictionaries(folder)
    changing = {k: values[0] for name in names for k, values in entries[name] if values[0] != k}
    # a key in two dictionaries: changing if either changes it (whichever OpenCC picks), so the default kept
    # for a phrase is any differing one (it only chooses the witness character)
    digests = {}
    for name in [os.path.basename(config)] + names:
        with open(os.path.join(os.path.dirname(config), name), "rb") as fh:
            digests[name] = hashlib.sha256(fh.read()).hexdigest()
    return {"config": os.path.basename(config), "opencc": opencc.__version__, "sha256": digests,
            "characters": "".join(sorted(k for k in changing if len(k) == 1)),
            "phrases": {k: changing[k] for k in sorted(changing) if len(k) > 1}}


def test_the_t2s_changes_table_is_what_the_installed_dictionaries_say(tmp_path):
    """Every key of every dictionary of the installed t2s (normalisation and conversion, phrases included) that
    OpenCC replaces by something else is in the shipped table, and the table applies to these files."""
    import json
    from importlib import resources

    from policytext.normalize import _T2S_TABLE, _t2s_changes

    shipped = json.loads(resources.files("policytext").joinpath(_T2S_TABLE).read_text("utf-8"))
    derived = _derive_t2s_changes(tmp_path)
    assert shipped == derived, "re-record with: python tests/test_normalize.py --record"
    assert len(derived["characters"]) > 4000 and len(derived["phrases"]) > 300
    import opencc

    assert _t2s_changes(opencc.OpenCC("t2s").config) is not None
    assert _t2s_changes("/elsewhere/t2s.json") is None and _t2s_changes(opencc.OpenCC("s2t").config) is None


def _t2s_check(text):
    """to_simplified(text) is OpenCC's t2s of it, and when the table says OpenCC changes nothing, it does not."""
    import opencc

    from policytext.normalize import _t2s_changes, _t2s_may_change, to_simplified

    conv = opencc.OpenCC("t2s")
    changes = _t2s_changes(conv.config)
    assert changes is not None
    expected = conv.convert(text)
    assert to_simplified(text) == expected
    if not _t2s_may_change(text, changes):
        assert expected == text, text[:40]
        return False
    return True


def test_t2s_is_skipped_only_where_opencc_changes_nothing(tmp_path):
    import random

    import opencc
    import pytest
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from policytext.normalize import _t2s_changes, _t2s_may_change

    _, names, entries = _t2s_dictionaries(tmp_path)
    changes = _t2s_changes(opencc.OpenCC("t2s").config)
    changing = {k for name in names for k, values in entries[name] if values[0] != k}
    kept = sorted({k for name in names for k, values in entries[name] if values[0] == k} - changing)
    # every key OpenCC keeps, in one text, in a shuffled order, apart and side by side: where the table says
    # nothing changes (it must, for those holding no changing key), OpenCC changes nothing
    rng = random.Random(15)
    quiet = [k for k in kept if not _t2s_may_change(k * 300, changes)]
    assert len(quiet) > 50 and len(kept) > 150
    for sep in ("。", "", " a1\n"):
        text = sep.join(rng.sample(quiet, len(quiet)))
        if sep == "。":
            assert not _t2s_may_change(text, changes)
        _t2s_check(text)
    # every changing key, alone in a long text, and with a changing key's witness
    for key in sorted(changing):
        assert _t2s_check("，" * 300 + key + "。"), key
    # random texts of changing and kept keys, their parts and values, and what is left to OpenCC
    pieces = sorted(changing)[::7] + kept[::7] + [k[:1] for k in changing if len(k) > 1][::3] + [
        "\x00", "\u2ff0", "\u2ff1木", "𠀀", "\uf900", "a", "。", "\n", "坏", "覆", "回", "毛"]
    filler = "治理" * 130

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.sampled_from(pieces), max_size=12), st.booleans())
    def check(parts, long):
        _t2s_check((filler if long else "") + "".join(parts))

    check()
    with pytest.raises(UnicodeEncodeError):  # left to OpenCC, which refuses a lone surrogate as before
        from policytext.normalize import to_simplified

        to_simplified(filler + "\ud800")


def test_nfkc_and_t2s_on_every_shared_text(shared_corpora):
    """unicodedata's NFKC and OpenCC's own t2s on the shared corpora (t2s after the steps before it), and most
    texts skip OpenCC."""
    import unicodedata

    import policytext.normalize as nz

    skipped = total = 0
    for path in sorted(shared_corpora.rglob("*")):
        if path.suffix not in (".txt", ".md", ".utf8", ".csv", ".jsonl"):
            continue
        raw = path.read_bytes().decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
        text = nz.nfkc(raw)
        assert text == unicodedata.normalize("NFKC", raw), path.name
        text = text.translate(nz._INVISIBLE)
        skipped += len(text) >= 256 and not _t2s_check(text)
        total += 1
    assert total > 3000 and skipped > total // 2


if __name__ == "__main__":
    import json
    import sys
    import tempfile
    from pathlib import Path

    if "--record" in sys.argv:
        target = Path(__file__).resolve().parents[1] / "policytext" / "data" / "opencc_t2s_changes.json"
        with tempfile.TemporaryDirectory() as folder:
            target.write_text(json.dumps(_derive_t2s_changes(folder), ensure_ascii=True, indent=0, sort_keys=True)
                              + "\n", encoding="utf-8")
        print("wrote", target)
