"""Extract: the tables. Words and patterns only, no logic beyond building regexes.

* the non-event date filters (comparison bases, durations, future words, datelines);
* GAZETTEER (well-known organisations and products), people next to a job title, model
  names with versions;
* KEYWORDS: the words that make a date an event of a category, with weights and labels.
"""

from __future__ import annotations

import re

from timeline.dates import HOLIDAYS, RELATIVE_SPANS

# ------------------------------------------------------------------ dates that are not events

def _holiday_words(chinese: bool) -> str:
    """The holidays the date parser reads (timeline.dates.HOLIDAYS), as one alternation.
    Numeral-only words (五一, 六一) must not touch other numerals; 国庆 / 圣诞 / Christmas
    not be the start of another word (国庆祝, 圣诞老人, Christmas tree)."""
    words = sorted({w for _, ws in HOLIDAYS.values() for w in ws if w.isascii() != chinese},
                   key=len, reverse=True)
    parts = []
    for w in words:
        pat = re.escape(w) + HOLIDAY_GUARDS.get(w, "")
        if chinese and all(c in "一二三四五六七八九十" for c in w):
            pat = f"(?<![0-9一二三四五六七八九十]){pat}(?![0-9一二三四五六七八九十])"
        elif chinese and w[-1].isdigit():
            pat += r"(?!\d)"
        elif not chinese:
            pat = rf"\b{pat}\b".replace(r"\ ", r"\s+")
        parts.append(pat)
    return "(?:" + "|".join(parts) + ")"


HOLIDAY_GUARDS = {"国庆": "(?![祝贺功幸])", "圣诞": "(?![老树歌帽卡礼])",
                  "Christmas": r"(?!\s+(?:trees?|cards?|gifts?|presents?|carols?)\b)"}
#: holidays in Chinese and in English ("2026年元旦", "去年万圣节", "Christmas 2024")
HOLIDAY_ZH = _holiday_words(chinese=True)
#: a holiday is a date when a time word or a stop follows it ("春节期间", "元旦刚过", "国庆，…"),
#: not when it qualifies a noun ("圣诞节广告" is a Christmas advert, "春节档" a film season)
HOLIDAY_ZH_DATE = HOLIDAY_ZH + r"(?=[期前后当假时之刚过起开至到和与及、,，。；:：!！?？\s)）」”\"]|$)"
HOLIDAY_EN = _holiday_words(chinese=False)
#: words after a date that make it the days just after it (RELATIVE_SPANS "end"): 元旦刚过
JUST_AFTER_ZH = "(?:" + "|".join(sorted((w for anchor, _, _, ws in RELATIVE_SPANS.values()
                                        if anchor == "end" for w in ws if not w.isascii()),
                                       key=len, reverse=True)) + ")"
#: "a few days ago" words of news text (RELATIVE_SPANS "recent-days"): 近日, 日前; not
#: 日前 after a number or a day word ("30日前" is before the 30th, "节日前" before a holiday)
RECENT_DAYS_ZH = r"(?<!最)近日|(?<![0-9一二三四五六七八九十两几数节假生当每作念])日前"
#: press time: "截至发稿" is the publication date (the base), "as of writing" too
PRESS_TIME = re.compile(r"(?:截至|截止|截止到|截至到)\s*(?:本文|记者)?发稿(?:时间|时|前)?"
                        r"|(?:记者|本文)发稿时"
                        r"|\b(?:as of|at)\s+(?:the\s+)?(?:time of\s+)?(?:this\s+)?(?:writing|press time)\b",
                        re.I)
CMP_BEFORE = re.compile(r"(?:较|比|相比|相较|对比|比起|较之|高于|低于|慢于|快于|好于|优于|差于|"
                        r"多于|少于|不及|同比|环比|"
                        r"compared (?:with|to)|than|versus|vs\.?|from)\s*(?:the\s+)?$", re.I)
CMP_AFTER = re.compile(r"^\s*(?:同期|同比|以来|至今|迄今|来[,，的]|水平|基数|口径|"
                       r"levels?\b|a year (?:earlier|ago)|to date)", re.I)
DURATION_BEFORE = re.compile(r"(?:仅|已|共|长达|历时|为期|for)\s*$")
FUTURE = re.compile(r"预计|将|计划|有望|目标|预期|预测|到\s*$|\b(?:will|expects?|plans?|by)\b")
TIME_OF_DAY = re.compile(r"\b\d{1,2}:\d{2}\b")


# ------------------------------------------------------------------ tags

# Well-known names: English canonical name → aliases (Chinese, traditional forms are
# normalised away). A database tag with the same name (or alias) takes over the name.
GAZETTEER: list[tuple[str, str, tuple[str, ...]]] = [
    ("organization", "Kuaishou", ("快手", "Kuaishou")),
    ("product", "Kling", ("可灵", "Kling", "KlingAI")),
    ("product", "Kolors", ("可图", "Kolors")),
    ("product", "Jimeng", ("即梦", "Jimeng", "Dreamina")),
    ("organization", "ByteDance", ("字节跳动", "字节", "ByteDance")),
    ("product", "Douyin", ("抖音", "Douyin", "TikTok")),
    ("product", "Doubao", ("豆包", "Doubao")),
    ("organization", "Alibaba", ("阿里巴巴", "阿里", "Alibaba")),
    ("organization", "Tencent", ("腾讯", "Tencent")),
    ("organization", "Baidu", ("百度", "Baidu")),
    ("organization", "JD.com", ("京东", "JD.com")),
    ("organization", "Meituan", ("美团", "Meituan")),
    ("organization", "Xiaomi", ("小米", "Xiaomi")),
    ("organization", "Pinduoduo", ("拼多多", "Pinduoduo", "PDD")),
    ("organization", "Google", ("谷歌", "Google")),
    ("organization", "OpenAI", ("OpenAI",)),
    ("organization", "Meta", ("Meta",)),
    ("organization", "Microsoft", ("微软", "Microsoft")),
    ("organization", "Apple", ("苹果公司", "Apple")),
    ("organization", "Nvidia", ("英伟达", "Nvidia", "NVIDIA")),
    ("organization", "DeepSeek", ("DeepSeek", "深度求索")),
    ("organization", "MiniMax", ("MiniMax",)),
    ("product", "Sora", ("Sora",)),
    ("product", "Veo", ("Veo",)),
    ("product", "Runway", ("Runway",)),
    ("product", "Midjourney", ("Midjourney",)),
    ("product", "Hailuo", ("海螺", "Hailuo")),
    ("product", "Vidu", ("Vidu",)),
    ("organization", "Artificial Analysis", ("Artificial Analysis",)),
    ("organization", "Sensor Tower", ("Sensor Tower",)),
    ("organization", "SAMR", ("国家市场监督管理总局", "国家市场监管总局", "市场监管总局", "SAMR")),
    ("organization", "CAC", ("国家互联网信息办公室", "国家网信办", "网信办", "网信部门", "CAC")),
    ("organization", "NRTA", ("国家广播电视总局", "国家广电总局", "广电总局", "NRTA")),
    ("organization", "MOFCOM", ("商务部", "MOFCOM")),
    ("organization", "CSRC", ("证监会", "CSRC")),
    ("organization", "HKEX", ("港交所", "HKEX")),
]

SURNAMES = set("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
               "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
               "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤盖宿翟殷乔庞樊兰柳")
NAME_STOP = set("表说称在指认也曾则已将于对的和与等是为被从向就又还都亦透坦直强希介谈回告提宣")
TITLES = (r"(?:首席执行官|首席技术官|首席财务官|首席运营官|首席科学家|CEO|CTO|CFO|COO|"
          r"高级副总裁|执行副总裁|副总裁|总裁|董事长|联合创始人|创始人|总经理|技术负责人|负责人|"
          r"事业部总经理|主管|总监|合伙人|掌门人|一把手)")
PERSON_ZH = re.compile(TITLES + r"(?:兼[^\s,，。]{1,8}?)?\s*(?P<name>[\u4e00-\u9fff]{2,3})")
PERSON_EN = re.compile(r"(?:CEO|CTO|CFO|[Cc]hief [Ee]xecutive|[Pp]resident|[Ff]ounder|[Cc]hairman|"
                       r"[Hh]ead of [A-Z][\w ]{1,30}?)\s*,?\s+(?P<name>[A-Z][a-z]+(?: [A-Z][a-z]+){1,2})"
                       r"|(?P<name2>[A-Z][a-z]+ [A-Z][a-z]+), (?:the |its )?(?:CEO|CTO|CFO|chief|"
                       r"president|founder|chairman|head)")
EDITIONS = {"Turbo": "Turbo", "Pro": "Pro", "Master": "Master", "Max": "Max", "Plus": "Plus",
            "Ultra": "Ultra", "Mini": "Mini", "Lite": "Lite", "Flash": "Flash",
            "大师版": "Master", "专业版": "Pro"}
NOT_NAMES = {"AI", "APP", "App", "API", "ARR", "GMV", "DAU", "MAU", "CEO", "CTO", "CFO", "COO",
             "GPU", "IP", "PGC", "UGC", "PUGC", "AIGC", "FY", "TOP", "Top", "No", "iPhone",
             "The", "In", "On", "At", "By", "Since", "Version", "Phase", "Level", "Section"}
VERSION = (r"(?P<ver>\d{1,2}\.\d{1,2}(?![\d%])|(?![QH]\d)[A-Z]\d(?![\d.%])|\d(?=\s*(?:Turbo|Pro|Master|Max|"
           r"Plus|Ultra|Flash|大师版|专业版)))(?:\s*(?P<ed>Turbo|Pro|Master|Max|Plus|Ultra|Mini|"
           r"Lite|Flash|大师版|专业版))?(?!\s*[亿万元倍%个次])")
LATIN_MODEL = re.compile(r"(?<![A-Za-z0-9])(?P<name>[A-Z][A-Za-z]{1,15})[\s-]?(?P<ver>\d{1,2}"
                         r"(?:\.\d{1,2})?(?:o|v)?|(?![QH]\d)[A-Z]\d)(?:\s+(?P<ed>Turbo|Pro|Master|Max|Plus|"
                         r"Ultra|Mini|Lite|Flash))?(?![\w.%])(?!\s*[亿万元倍%个次年月日号])")
VERSION_ALONE = re.compile(r"(?:升级至|升级到|升至|迭代至|迭代到|更新至|更新到|推出|发布)了?\s*"
                           r"(?P<ver>\d{1,2}\.\d{1,2})(?![\d%])\s*(?:版本?|(?P<ed>Turbo|大师版))?")


def alternation(words: list[str], word_end: bool = True) -> re.Pattern:
    """One case-insensitive regex for many words, longest first; a lookahead on the first
    characters lets the engine skip most positions at once (the tables are long)."""
    firsts = sorted({ch for w in words for ch in (w[0].lower(), w[0].upper())})
    parts = []
    for w in sorted(words, key=len, reverse=True):
        esc = re.escape(w)
        if w.isascii():
            esc = rf"(?<![A-Za-z0-9]){esc}" + (r"(?![A-Za-z])" if word_end else "")
        parts.append(esc)
    first = "".join(re.escape(ch) for ch in firsts)
    return re.compile(rf"(?=[{first}])(?:{'|'.join(parts)})", re.I)



# ------------------------------------------------------------------ categories

# (category, keyword, weight, English label). Keywords are simplified Chinese (the text is
# normalised first, so 發布/离職/約談 match too) or English (matched case-insensitively).
# "release" is model-release when the sentence names a model or a version, else product.
KEYWORDS: list[tuple[str, str, float, str]] = [
    ("release", "发布", 1.0, "released"), ("release", "推出", 1.0, "launched"),
    ("release", "上线", 1.0, "goes live"), ("release", "亮相", 0.8, "unveiled"),
    ("release", "升级", 0.8, "upgraded"), ("release", "迭代", 0.6, "upgraded"),
    ("release", "开源", 1.2, "open-sourced"), ("release", "问世", 1.0, "launched"),
    ("release", "面世", 1.0, "launched"), ("release", "横空出世", 1.2, "launched"),
    ("release", "发表", 0.6, "released"), ("release", "上新", 0.8, "launched"),
    ("release", "公测", 1.0, "opens public beta"), ("release", "内测", 0.8, "enters beta"),
    ("release", "released", 1.0, "released"), ("release", "launch", 1.0, "launched"),
    ("release", "unveil", 1.0, "unveiled"), ("release", "rolled out", 0.8, "rolled out"),
    ("release", "debut", 0.8, "debuts"), ("release", "introduced", 0.6, "introduced"),
    ("product", "功能", 0.6, "new feature"), ("product", "新功能", 1.0, "new feature"),
    ("product", "feature", 0.6, "new feature"), ("product", "上架", 0.8, "launched"),
    ("personnel", "离职", 2.5, "leaves"), ("personnel", "出走", 2.0, "leaves"),
    ("personnel", "离开", 1.2, "leaves"), ("personnel", "辞职", 2.5, "resigns"),
    ("personnel", "卸任", 2.5, "steps down"), ("personnel", "加盟", 2.0, "joins"),
    ("personnel", "加入", 0.8, "joins"), ("personnel", "任命", 2.5, "appointed"),
    ("personnel", "出任", 2.0, "appointed"), ("personnel", "接任", 2.5, "takes over"),
    ("personnel", "履新", 2.0, "takes up a new post"), ("personnel", "调任", 2.0, "moves"),
    ("personnel", "升任", 2.0, "promoted"), ("personnel", "换帅", 2.5, "leadership change"),
    ("personnel", "掌舵", 1.2, "takes the helm"), ("personnel", "高管", 0.6, "executive change"),
    ("personnel", "resign", 2.5, "resigns"), ("personnel", "steps down", 2.5, "steps down"),
    ("personnel", "appointed", 2.5, "appointed"), ("personnel", "joins", 1.2, "joins"),
    ("personnel", "departure", 2.0, "leaves"), ("personnel", "left the company", 2.5, "leaves"),
    ("personnel", "hired", 2.0, "hired"),
    ("regulatory", "立案调查", 3.5, "investigation opened"), ("regulatory", "立案", 2.0, "case opened"),
    ("regulatory", "调查", 1.0, "investigation"), ("regulatory", "约谈", 3.5, "summoned by regulator"),
    ("regulatory", "整改", 2.5, "ordered to rectify"), ("regulatory", "专项治理", 3.5, "special enforcement campaign"),
    ("regulatory", "专项行动", 3.0, "special enforcement campaign"), ("regulatory", "处罚", 2.0, "penalised"),
    ("regulatory", "罚款", 2.5, "fined"), ("regulatory", "责令", 2.5, "ordered by regulator"),
    ("regulatory", "警告", 1.2, "warned"), ("regulatory", "监管", 1.2, "regulation"),
    ("regulatory", "网信", 1.2, "regulation"), ("regulatory", "广电总局", 1.5, "regulation"),
    ("regulatory", "新规", 2.0, "new rules"), ("regulatory", "规定", 0.8, "new rules"),
    ("regulatory", "违反", 1.5, "violation"), ("regulatory", "涉嫌", 1.5, "suspected violation"),
    ("regulatory", "下架", 1.0, "taken down"), ("regulatory", "regulator", 1.5, "regulation"),
    ("regulatory", "investigation", 2.0, "investigation opened"), ("regulatory", "probe", 2.0, "investigation opened"),
    ("regulatory", "fined", 2.5, "fined"), ("regulatory", "penalty", 2.0, "penalised"),
    ("regulatory", "antitrust", 2.0, "antitrust action"), ("regulatory", "summoned", 2.5, "summoned by regulator"),
    ("earnings", "财报", 2.5, "results"), ("earnings", "季报", 2.0, "results"),
    ("earnings", "年报", 2.0, "annual results"), ("earnings", "业绩", 2.0, "results"),
    ("earnings", "营收", 1.5, "revenue"), ("earnings", "净利润", 1.5, "net profit"),
    ("earnings", "毛利", 1.0, "gross profit"), ("earnings", "财年", 1.2, "results"),
    ("earnings", "电话会", 1.5, "earnings call"), ("earnings", "经调整", 1.0, "results"),
    ("earnings", "earnings", 2.5, "results"), ("earnings", "results", 1.5, "results"),
    ("earnings", "revenue", 1.2, "revenue"), ("earnings", "net profit", 1.5, "net profit"),
    ("earnings", "net income", 1.5, "net income"), ("earnings", "quarterly", 1.0, "results"),
    ("business", "收入", 1.2, "revenue"), ("business", "年化收入", 2.0, "annualised revenue"),
    ("business", "ARR", 2.0, "annualised revenue"), ("business", "营业额", 1.5, "revenue"),
    ("business", "付费", 1.0, "paying users"), ("business", "用户", 0.8, "users"),
    ("business", "月活", 1.2, "monthly active users"), ("business", "日活", 1.0, "daily active users"),
    ("business", "下载", 1.2, "downloads"), ("business", "订阅", 1.0, "subscriptions"),
    ("business", "合作", 1.2, "partnership"), ("business", "签约", 1.5, "deal signed"),
    ("business", "续约", 1.5, "partnership renewed"), ("business", "客户", 1.0, "customers"),
    ("business", "商业化", 1.0, "commercialisation"), ("business", "收购", 2.0, "acquisition"),
    ("business", "融资", 1.5, "funding"), ("business", "投资", 0.8, "investment"),
    ("business", "突破", 0.8, "milestone"), ("business", "访问", 0.8, "visits"),
    ("business", "榜", 0.8, "chart position"), ("business", "畅销", 1.0, "top-grossing"),
    ("business", "排名", 0.8, "ranking"), ("business", "市场份额", 1.0, "market share"),
    ("business", "广告", 0.6, "advertising"), ("business", "流水", 1.0, "billings"),
    ("business", "GMV", 0.8, "GMV"), ("business", "users", 0.8, "users"),
    ("business", "subscribers", 1.0, "subscribers"), ("business", "partnership", 1.2, "partnership"),
    ("business", "acquisition", 2.0, "acquisition"), ("business", "acquire", 2.0, "acquisition"),
    ("business", "downloads", 1.2, "downloads"), ("business", "annualized", 1.5, "annualised revenue"),
    ("business", "反超", 1.5, "overtakes a rival"), ("business", "逆袭", 1.2, "overtakes a rival"),
    ("business", "overtake", 1.5, "overtakes a rival"), ("business", "surpass", 1.2, "overtakes a rival"),
    ("business", "DAU", 1.0, "daily active users"), ("business", "MAU", 1.2, "monthly active users"),
    ("product", "基准测试", 1.5, "tops a benchmark"), ("product", "评测", 1.0, "tops a benchmark"),
    ("product", "测评", 1.0, "tops a benchmark"), ("product", "benchmark", 1.5, "tops a benchmark"),
    ("organization", "事业部", 2.0, "business unit set up"), ("organization", "组织架构", 2.5, "reorganisation"),
    ("organization", "架构调整", 2.5, "reorganisation"), ("organization", "变阵", 2.5, "reorganisation"),
    ("organization", "成立", 1.5, "set up"), ("organization", "合并", 1.5, "merger"),
    ("organization", "拆分", 2.0, "split"), ("organization", "重组", 2.0, "restructuring"),
    ("organization", "一级部门", 2.0, "new top-level unit"), ("organization", "部门", 0.8, "reorganisation"),
    ("organization", "整合", 1.2, "reorganisation"), ("organization", "调整", 0.6, "reorganisation"),
    ("organization", "restructur", 2.0, "restructuring"), ("organization", "reorganiz", 2.0, "reorganisation"),
    ("organization", "business unit", 2.0, "business unit set up"), ("organization", "division", 1.2, "reorganisation"),
    ("market", "股价", 2.0, "share price"), ("market", "市值", 2.0, "market value"),
    ("market", "港股", 1.2, "share price"), ("market", "股票", 1.2, "share price"),
    ("market", "上市", 1.5, "listing"), ("market", "收盘", 1.5, "share price"),
    ("market", "涨幅", 1.5, "shares rise"), ("market", "上涨", 1.0, "shares rise"),
    ("market", "下跌", 1.0, "shares fall"), ("market", "暴涨", 1.5, "shares jump"),
    ("market", "回调", 1.2, "shares fall"), ("market", "回撤", 1.2, "shares fall"),
    ("market", "高点", 1.0, "share price high"), ("market", "恒生", 1.0, "market"),
    ("market", "指数", 0.6, "market"), ("market", "估值", 1.0, "valuation"),
    ("market", "交易日", 1.2, "share price"), ("market", "港元", 1.0, "share price"),
    ("market", "shares", 1.5, "share price"), ("market", "stock", 1.5, "share price"),
    ("market", "market value", 2.0, "market value"), ("market", "market cap", 2.0, "market value"),
    ("market", "IPO", 2.0, "listing"), ("market", "listed", 1.5, "listing"),
    ("campaign", "活动", 1.5, "campaign"), ("campaign", "大赛", 2.0, "contest"),
    ("campaign", "挑战赛", 2.0, "challenge"), ("campaign", "征集", 1.5, "open call"),
    ("campaign", "促销", 1.5, "promotion"), ("campaign", "补贴", 1.2, "subsidies"),
    ("campaign", "专场", 1.5, "campaign"), ("campaign", "发起", 1.2, "campaign launched"),
    ("campaign", "计划", 0.6, "programme"), ("campaign", "举办", 1.5, "event held"),
    ("campaign", "专项", 1.0, "campaign"), ("business", "累计", 1.0, "cumulative figures"), ("campaign", "campaign", 2.0, "campaign"),
    ("campaign", "contest", 2.0, "contest"), ("campaign", "promotion", 1.5, "promotion"),
    ("other", "周年", 1.5, "anniversary"), ("other", "市场规模", 1.2, "market size"),
    ("other", "market size", 1.2, "market size"), ("product", "工具", 0.6, "new tool"), ("other", "anniversary", 1.5, "anniversary"),
]
MODEL_WORD = re.compile(r"模型|版本|model|version|\bv?\d\.\d\b", re.I)
METRIC_ONLY = {"business", "earnings", "market"}
#: figures a company reports with its results: for the company itself (not a product) in a
#: reporting period they are its results ("2025年第二季度，快手日活用户4.09亿")
COMPANY_FIGURES = {"daily active users", "monthly active users"}
REPORTING_PERIODS = {"quarter", "half", "year", "months"}

ATTRIBUTION = re.compile(r"(?:根据|据|来自|引用|according to|data from)\s*$", re.I)
ATTRIBUTION_AFTER = re.compile(r"^\s*(?:的?数据|统计|报告|显示|测算|data|report)", re.I)

