"""Names, organizations and agent notes for the demo workspace, in four languages.

Every person has a display name in their own script and an ASCII romanization used for
e-mail addresses. Lists are plain data; the generator decides who is who.
"""

from __future__ import annotations

LANGUAGES = ("en", "ja", "it", "he")
# Cumulative share of customers per language (en 52 %, ja 20 %, it 16 %, he 12 %).
LANGUAGE_CUTS = ((0.52, "en"), (0.72, "ja"), (0.88, "it"), (1.0, "he"))

# The colleagues of the agent using the app (handles, as assignees and authors).
COLLEAGUES = ("dana", "marco", "yuki", "noa", "sam", "priya", "kenji", "giulia", "omar")

# (display, romanization); Japanese family names come first in the display name.
FIRST_NAMES: dict[str, tuple[tuple[str, str], ...]] = {
    "en": tuple((n, n.lower()) for n in (
        "Alice", "Brian", "Chloe", "Daniel", "Emma", "Frank", "Grace", "Henry", "Isla", "Jack",
        "Karen", "Liam", "Megan", "Nathan", "Olivia", "Peter", "Rachel", "Simon", "Tessa",
        "Victor", "Wendy", "Bella", "Connor", "Diane", "Ethan", "Fiona", "George", "Hannah",
        "Owen", "Zoe")),
    "ja": (
        ("愛子", "aiko"), ("陽子", "yoko"), ("さくら", "sakura"), ("健太", "kenta"),
        ("ひろし", "hiroshi"), ("美咲", "misaki"), ("翔太", "shota"), ("ゆい", "yui"),
        ("大輔", "daisuke"), ("恵", "megumi"), ("拓也", "takuya"), ("あやか", "ayaka"),
        ("直樹", "naoki"), ("由美", "yumi"), ("誠", "makoto"), ("舞", "mai"), ("悠斗", "yuto"),
        ("花子", "hanako"), ("隆", "takashi"), ("真理子", "mariko"), ("蓮", "ren"),
        ("ミサト", "misato"), ("ケン", "ken"), ("奈々", "nana")),
    "it": (
        ("Giulia", "giulia"), ("Marco", "marco"), ("Francesca", "francesca"),
        ("Alessandro", "alessandro"), ("Chiara", "chiara"), ("Luca", "luca"), ("Sara", "sara"),
        ("Matteo", "matteo"), ("Valentina", "valentina"), ("Lorenzo", "lorenzo"),
        ("Elena", "elena"), ("Davide", "davide"), ("Martina", "martina"),
        ("Federico", "federico"), ("Silvia", "silvia"), ("Giorgio", "giorgio"),
        ("Alessia", "alessia"), ("Simone", "simone"), ("Paola", "paola"),
        ("Niccolò", "niccolo"), ("Ilaria", "ilaria"), ("Stefano", "stefano"),
        ("Beatrice", "beatrice"), ("Tommaso", "tommaso")),
    "he": (
        ("נועה", "noa"), ("יוסי", "yossi"), ("מיכל", "michal"), ("דוד", "david"),
        ("שירה", "shira"), ("אבי", "avi"), ("תמר", "tamar"), ("איתי", "itai"),
        ("רונית", "ronit"), ("עומר", "omer"), ("יעל", "yael"), ("משה", "moshe"),
        ("הילה", "hila"), ("אורי", "uri"), ("דנה", "dana"), ("גיל", "gil"), ("ליאת", "liat"),
        ("אלון", "alon"), ("רותם", "rotem"), ("עידו", "ido")),
}

LAST_NAMES: dict[str, tuple[tuple[str, str], ...]] = {
    "en": tuple((n, n.lower()) for n in (
        "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Thomas", "Roberts",
        "Walker", "Wright", "Thompson", "White", "Hughes", "Edwards", "Green", "Hall", "Wood",
        "Harris", "Clarke", "Jackson", "Turner", "Hill", "Moore", "Cooper", "Ward", "Morris",
        "King", "Baker", "Price")),
    "ja": (
        ("佐藤", "sato"), ("鈴木", "suzuki"), ("高橋", "takahashi"), ("田中", "tanaka"),
        ("伊藤", "ito"), ("渡辺", "watanabe"), ("山本", "yamamoto"), ("中村", "nakamura"),
        ("小林", "kobayashi"), ("加藤", "kato"), ("吉田", "yoshida"), ("山田", "yamada"),
        ("佐々木", "sasaki"), ("山口", "yamaguchi"), ("松本", "matsumoto"), ("井上", "inoue"),
        ("木村", "kimura"), ("林", "hayashi"), ("斎藤", "saito"), ("清水", "shimizu"),
        ("森", "mori"), ("池田", "ikeda"), ("橋本", "hashimoto"), ("石川", "ishikawa")),
    "it": (
        ("Rossi", "rossi"), ("Russo", "russo"), ("Ferrari", "ferrari"), ("Esposito", "esposito"),
        ("Bianchi", "bianchi"), ("Romano", "romano"), ("Colombo", "colombo"), ("Ricci", "ricci"),
        ("Marino", "marino"), ("Greco", "greco"), ("Bruno", "bruno"), ("Gallo", "gallo"),
        ("Conti", "conti"), ("De Luca", "deluca"), ("Mancini", "mancini"), ("Costa", "costa"),
        ("Giordano", "giordano"), ("Rizzo", "rizzo"), ("Lombardi", "lombardi"),
        ("Moretti", "moretti"), ("Barbieri", "barbieri"), ("Fontana", "fontana"),
        ("Santoro", "santoro"), ("Caruso", "caruso")),
    "he": (
        ("כהן", "cohen"), ("לוי", "levi"), ("מזרחי", "mizrahi"), ("פרץ", "peretz"),
        ("ביטון", "biton"), ("אברהם", "avraham"), ("פרידמן", "friedman"), ("שפירא", "shapira"),
        ("אזולאי", "azulay"), ("גולן", "golan"), ("דהן", "dahan"), ("אוחיון", "ohayon"),
        ("חדד", "hadad"), ("רוזנברג", "rosenberg"), ("בן דוד", "bendavid"), ("קליין", "klein"),
        ("וייס", "weiss"), ("אשכנזי", "ashkenazi"), ("נחום", "nahum"), ("טל", "tal")),
}

# Mail providers for customers without an organization (ASCII, reserved .example TLD).
MAIL_PROVIDERS = {
    "en": ("inbox.example", "mailbox.example", "fastpost.example"),
    "ja": ("mail.jp.example", "net.jp.example"),
    "it": ("posta.it.example", "email.it.example"),
    "he": ("doar.il.example", "mail.il.example"),
}

# What a one-person customer's site is about: <lastname>-<kind>.example
SITE_KINDS = ("design", "shop", "studio", "photo", "travel", "consulting", "blog", "crafts")

PHONE_FORMATS = {
    "en": ("+1 202-555-01{a:02d}", "+44 20 7946 0{b:03d}"),
    "ja": ("+81 3-5555-{c:04d}", "+81 6-5555-{c:04d}"),
    "it": ("+39 02 5555 {c:04d}", "+39 06 5555 {c:04d}"),
    "he": ("+972 3-555-{c:04d}", "+972 52-555-{c:04d}"),
}

PLANS = ("Starter", "Business", "Business", "Pro", "Pro", "Reseller")

# (name, domain, language, plan, notes): the first organizations, always present.
CURATED_ORGS = (
    ("ACME Hosting Partners", "acme-partners.example", "en", "Reseller",
     "Reseller: 40+ client sites on our servers. Billing questions go to Dana."),
    ("Northwind Traders", "northwind.example", "en", "Pro", "Online shop, peak season Nov–Dec."),
    ("Globex Digital", "globex-digital.example", "en", "Reseller", "Agency; manages sites for clients."),
    ("Initech Web Services", "initech.example", "en", "Business", ""),
    ("Blue Harbor Bakery", "blueharbor-bakery.example", "en", "Starter", ""),
    ("Riverbank Dental", "riverbank-dental.example", "en", "Business", "Patient booking form is critical."),
    ("Summit Outdoor Gear", "summit-gear.example", "en", "Pro", "WooCommerce, ~3k orders/month."),
    ("Pixel & Pine Studio", "pixelpine.example", "en", "Business", ""),
    ("Greenleaf Organics", "greenleaf.example", "en", "Business", ""),
    ("Harbor Legal LLP", "harbor-legal.example", "en", "Pro", "Enterprise SLA: urgent within 30 min."),
    ("Brightside Tutoring", "brightside.example", "en", "Starter", ""),
    ("Oakridge Property Management", "oakridge-pm.example", "en", "Business", ""),
    ("Fernhill Veterinary", "fernhill-vet.example", "en", "Business", ""),
    ("Copperline Coffee", "copperline.example", "en", "Starter", "Pays by bank transfer."),
    ("株式会社田中商事", "tanaka-shoji.example", "ja", "Pro", "請求書は経理部宛て(keiri@)。"),
    ("山本デザイン事務所", "yamamoto-design.example", "ja", "Reseller", "Design agency, 25 client sites."),
    ("さくら歯科クリニック", "sakura-dental.example", "ja", "Business", ""),
    ("合同会社ミドリ技研", "midori-giken.example", "ja", "Business", ""),
    ("北斗システム株式会社", "hokuto-systems.example", "ja", "Pro", "Technical contact: 佐々木."),
    ("カフェ・こもれび", "komorebi-cafe.example", "ja", "Starter", ""),
    ("有限会社丸山印刷", "maruyama-print.example", "ja", "Business", ""),
    ("青空ゲストハウス", "aozora-guesthouse.example", "ja", "Starter", ""),
    ("Rossi & Figli S.r.l.", "rossi-figli.example", "it", "Pro", "Fatture intestate alla sede di Milano."),
    ("Trattoria da Gino", "trattoria-gino.example", "it", "Starter", ""),
    ("Studio Legale Bianchi", "studio-bianchi.example", "it", "Business", ""),
    ("Colombo Arredamenti", "colombo-arredamenti.example", "it", "Business", ""),
    ("Agriturismo Il Poggio", "ilpoggio.example", "it", "Starter", "Seasonal: busy April–October."),
    ("Libreria Moretti", "libreria-moretti.example", "it", "Starter", ""),
    ("כהן ושות' רואי חשבון", "cohen-cpa.example", "he", "Business", "Office closed Fri–Sat."),
    ("מאפיית לוי", "levi-bakery.example", "he", "Starter", ""),
    ("סטודיו גולן לעיצוב", "golan-studio.example", "he", "Reseller", "Agency, 12 client sites."),
    ("מזרחי הנדסה", "mizrahi-eng.example", "he", "Pro", ""),
)

# Word pairs for organizations beyond the curated ones: (display, romanization).
ORG_PARTS: dict[str, tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...], str]] = {
    "en": (
        tuple((w, w.lower()) for w in (
            "Apex", "Bright", "Cedar", "Delta", "Evergreen", "Falcon", "Granite", "Horizon",
            "Ivy", "Juniper", "Keystone", "Lakeside", "Maple", "Nova", "Orchard", "Pioneer")),
        tuple((w, w.lower()) for w in (
            "Consulting", "Dental", "Logistics", "Media", "Studio", "Foods", "Fitness",
            "Realty", "Labs", "Printing")),
        "{a} {b}",
    ),
    "ja": (
        (("青葉", "aoba"), ("朝日", "asahi"), ("大和", "yamato"), ("富士", "fuji"),
         ("若葉", "wakaba"), ("東都", "toto"), ("みなと", "minato"), ("ひかり", "hikari")),
        (("商事", "shoji"), ("デザイン", "design"), ("工務店", "koumuten"),
         ("クリニック", "clinic"), ("システム", "system"), ("不動産", "fudosan")),
        "株式会社{a}{b}",
    ),
    "it": (
        (("Alba", "alba"), ("Aurora", "aurora"), ("Borgo", "borgo"), ("Castello", "castello"),
         ("Fiore", "fiore"), ("Laguna", "laguna"), ("Monte", "monte"), ("Vigna", "vigna")),
        (("Arredamenti", "arredamenti"), ("Consulenze", "consulenze"), ("Immobiliare", "immobiliare"),
         ("Viaggi", "viaggi"), ("Ottica", "ottica"), ("Vini", "vini")),
        "{a} {b} S.r.l.",
    ),
    "he": (
        (("אורן", "oren"), ("גפן", "gefen"), ("דקל", "dekel"), ("הדר", "hadar"),
         ("זית", "zait"), ("כרמל", "carmel")),
        (("ייעוץ", "yeutz"), ("הנדסה", "handasa"), ("עיצוב", "itzuv"), ("שיווק", "shivuk")),
        "{b} {a}",
    ),
}
ORG_LANGUAGE_CUTS = ((0.55, "en"), (0.75, "ja"), (0.9, "it"), (1.0, "he"))

# Agent-written customer notes. Placeholders: {phone} {org} {domain} {server} {lead}.
# Each entry: (template, requirement) where requirement is "", "phone", "org" or a language.
CUSTOMER_NOTES = (
    ("Prefers phone — call {phone} rather than writing long e-mails.", "phone"),
    ("{org}'s reseller contract: escalate billing questions to Dana.", "org"),
    ("VIP: runs {org}'s online shop. Keep them posted proactively during incidents.", "org"),
    ("Non-technical — avoid command-line instructions, send screenshots instead.", ""),
    ("Very technical (sysadmin). Happy with `dig`/`curl` output, skip the basics.", ""),
    ("Asked for refunds twice already; check with billing before promising anything.", ""),
    ("{domain} is on legacy server {server}; migration planned — don't reboot without telling them.", ""),
    ("Uses a screen reader: describe steps in text, don't answer with screenshots only.", ""),
    ("Has a custom nginx config on {server} (see INFRA-2291). Don't reset it.", ""),
    ("Gets anxious during outages: a short update every hour beats one long one.", ""),
    ("Writes in Japanese; please reply in Japanese, formal tone (様).", "ja"),
    ("Timezone Asia/Tokyo — schedule calls after 10:00 JST.", "ja"),
    ("日本語で対応希望。請求関連は経理担当にも CC。", "ja"),
    ("Prefers Italian, but fine with English for technical details.", "it"),
    ("Cliente storico dal 2014, molto cordiale. Preferisce essere chiamato la mattina.", "it"),
    ("Works Sunday–Thursday; don't expect replies on Friday afternoon or Saturday.", "he"),
    ("מעדיפה מענה בעברית. לא לשלוח קישורים באנגלית בלבד.", "he"),
)
