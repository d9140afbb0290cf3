"""Pinyin keys of names, for search by full pinyin ("lixiaoming") and by
initials ("lxm"). Pure functions, no Odoo: the search mixin
(models/ihospital_pinyin_mixin.py) stores what `pinyin_keys` returns.

pypinyin reads a name as ordinary words, so a surname that is read
differently as a surname comes out wrong (单 dan instead of shan, 曾 ceng
instead of zeng). The surname table below gives the surname readings; both
readings are indexed, so that whoever types either finds the person.
"""

import itertools
import re
import unicodedata

from pypinyin import Style, lazy_pinyin, pinyin

# Readings of surnames that pypinyin reads otherwise, or that have several
# readings as a surname, toneless, one space between the syllables of a
# compound surname. Source: the surname (姓) readings of 《现代汉语词典》
# (7th edition), as collected in overtrue/pinyin (data/surnames) and
# zh-lx/pinyin-pro (lib/data/surname.ts); the first reading is the usual one.
SURNAME_READINGS = {
    # compound surnames (复姓) first: they are matched before single ones
    "万俟": ("mo qi",),
    "尉迟": ("yu chi",),
    "单于": ("chan yu",),
    "长孙": ("zhang sun",),
    "澹台": ("tan tai",),
    "令狐": ("ling hu",),
    "皇甫": ("huang fu",),
    "宰父": ("zai fu",),
    "亓官": ("qi guan",),
    "毌丘": ("guan qiu",),
    # single surnames
    "单": ("shan",),
    "曾": ("zeng",),
    "解": ("xie",),
    "区": ("ou",),
    "朴": ("piao",),
    "仇": ("qiu",),
    "查": ("zha",),
    "盖": ("ge", "gai"),
    "缪": ("miao",),
    "尉": ("wei",),
    "覃": ("qin", "tan"),
    "乐": ("yue", "le"),
    "召": ("shao",),
    "谌": ("chen", "shen"),
    "折": ("she",),
    "翟": ("zhai", "di"),
    "秘": ("bi",),
    "种": ("chong",),
    "重": ("chong",),
    "繁": ("po",),
    "员": ("yun",),
    "贠": ("yun",),
    "贲": ("ben",),
    "黑": ("he",),
    "隗": ("wei", "kui"),
    "能": ("nai",),
    "句": ("gou",),
    "过": ("guo",),
    "藏": ("zang",),
    "都": ("du",),
    "六": ("lu",),
    "薄": ("bo",),
    "阚": ("kan",),
    "宿": ("su",),
    "卜": ("bu",),
    "沈": ("shen",),
    "任": ("ren",),
    "纪": ("ji",),
    "冼": ("xian",),
    "洗": ("xian",),
    "牟": ("mou", "mu"),
    "那": ("na",),
    "佴": ("nai",),
    "粘": ("nian",),
    "扎": ("za",),
    "哈": ("ha",),
    "盛": ("sheng",),
    "柏": ("bai",),
    "乜": ("nie",),
    "叶": ("ye",),
    "不": ("fou",),
    "车": ("che",),
    "称": ("cheng",),
    "殷": ("yin",),
    "宁": ("ning",),
    "相": ("xiang",),
    "曲": ("qu",),
    "燕": ("yan",),
    "华": ("hua",),
    "祭": ("zhai",),
}
# How many readings of one text are kept (a name with several polyphonic
# characters would otherwise multiply them).
MAX_READINGS = 16

_HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_TOKENS = re.compile(rf"([{_HAN}]+)|([a-z]+)|([0-9]+)")
_QUERY_SEPARATORS = re.compile(r"[\s'’`\-·・._]+")
_QUERY = re.compile(r"[a-z0-9]+")


def _fold(text):
    """Lower case, full-width forms to ASCII (ＡＢＣ), accents dropped (José)."""
    text = unicodedata.normalize("NFKC", text or "").lower().replace("ü", "v")
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def _han_slots(run, at_start):
    """The alternatives of each part of a run of Chinese characters: a list
    of slots, each a list of syllable tuples, the first the likeliest."""
    usual = lazy_pinyin(run, style=Style.NORMAL, errors="ignore")
    if len(usual) != len(run):  # a character pypinyin does not know
        usual = [(lazy_pinyin(char, style=Style.NORMAL, errors="ignore") or [""])[0] for char in run]
    slots = []
    start = 0
    if at_start:
        surname = next((run[:size] for size in (2, 1) if run[:size] in SURNAME_READINGS), "")
        if surname:
            # the surname's readings first, the ordinary reading after
            ordinary = tuple(usual[: len(surname)])
            readings = [tuple(reading.split()) for reading in SURNAME_READINGS[surname]]
            slots.append(list(dict.fromkeys([*readings, ordinary])))
            start = len(surname)
    for index in range(start, len(run)):
        others = pinyin(run[index], style=Style.NORMAL, heteronym=True, errors="ignore")
        alternatives = others[0] if others else []
        slots.append([(syllable,) for syllable in dict.fromkeys([usual[index], *alternatives]) if syllable])
    return [slot for slot in slots if slot]


def text_readings(text, limit=MAX_READINGS):
    """The readings of a name, each a tuple of syllables: the likeliest
    first (surname readings before the ordinary one), then each other
    reading of one character at a time. Latin words are kept (lower case)
    as one syllable, digits too.

    >>> text_readings("单雄信")[:2]
    [('shan', 'xiong', 'xin'), ('dan', 'xiong', 'xin')]
    """
    slots = []
    for match in _TOKENS.finditer(_fold(text)):
        han, word, digits = match.groups()
        if han:
            slots.extend(_han_slots(han, at_start=not slots))
        else:
            slots.append([(word or digits,)])
    if not slots:
        return []
    primary = [slot[0] for slot in slots]
    readings = [primary]
    for index, slot in enumerate(slots):
        readings.extend(primary[:index] + [option] + primary[index + 1 :] for option in slot[1:])
    result = []
    for reading in readings:
        syllables = tuple(itertools.chain.from_iterable(reading))
        result.append(syllables)
        if any("v" in syllable for syllable in syllables):
            # 吕 is typed lv or lu
            result.append(tuple(syllable.replace("v", "u") for syllable in syllables))
    return list(dict.fromkeys(result))[:limit]


def _initials(syllables):
    return "".join(syllable if syllable.isdigit() else syllable[0] for syllable in syllables)


def pinyin_keys(*texts):
    """(full, initials) for the texts: every reading written together
    ("lixiaoming"), the readings separated by a space, and their initials
    the same way ("lxm"). Empty strings when no text has a reading."""
    full, initials = [], []
    for text in dict.fromkeys(text for text in texts if text):
        for syllables in text_readings(text):
            full.append("".join(syllables))
            initials.append(_initials(syllables))
    return " ".join(dict.fromkeys(full)), " ".join(dict.fromkeys(initials))


def normalize_query(value):
    """What a typed search is as pinyin ("Li Xiao-ming" -> "lixiaoming"),
    or "" when it is not one (Chinese characters, other signs)."""
    if not isinstance(value, str):
        return ""
    query = _QUERY_SEPARATORS.sub("", _fold(value))
    return query if _QUERY.fullmatch(query) else ""
