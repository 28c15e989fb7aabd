"""The fixed vocabularies: event categories, tag kinds and the qualifiers of a figure.

Pure data, importable without the database layer (the site and the parsers need them).
"""

CATEGORIES: dict[str, tuple[str, str]] = {
    # slug: (English label, Chinese label)
    "model-release": ("Model release", "模型发布"),
    "product": ("Product", "产品"),
    "personnel": ("Personnel", "人事"),
    "regulatory": ("Regulatory", "监管"),
    "earnings": ("Earnings", "财报"),
    "business": ("Business", "商业"),
    "organization": ("Organization", "组织"),
    "market": ("Market", "市场"),
    "campaign": ("Campaign", "活动"),
    "other": ("Other", "其他"),
}

TAG_KINDS: dict[str, tuple[str, str]] = {
    "topic": ("Topic", "主题"),
    "person": ("Person", "人物"),
    "organization": ("Organization", "机构"),
    "product": ("Product", "产品"),
    "place": ("Place", "地点"),
}

# "" for exact, ">" more than, "<" less than, "~" about, ">=" at least, "<=" at most.
QUALIFIERS = ("", ">", "<", ">=", "<=", "~")
