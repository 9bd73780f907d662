"""The real programmes the catalogue starts with (JAPAN.md §5), written only as far as the
published rules allow: amounts, rates, windows and conditions are those of the cited fiscal
year; whatever the source does not settle is a 要確認 condition, and a programme is marked
as covering advisory fees only where the source lists a cost an advisory fee can be.

Rules change every year: each record names its fiscal year and source. Estimates are only
ever made for programmes of the current fiscal year, so these records stop producing
estimates when their year ends; the operator copies a programme to the new year
(admin.services.copy_programme) after reading the new 募集要項.

Only the programmes of JAPAN.md §5. Its unnamed "city DX subsidy listing コンサルティング費用"
is 戸田市's, whose published rules are exactly that case; no city is made up."""

# 北九州市 DX推進補助金（令和7年度）. Published by 公益財団法人北九州産業学術推進機構
# (KSRP) ロボット・DX推進センター for the city. Two 枠, one record each.
_KITAKYUSHU_SOURCE = (
    "北九州市 DX推進補助金（令和7年度）公募案内：公益財団法人北九州産業学術推進機構 ロボット・DX"
    "推進センター「令和7年度 DX推進補助金の公募を開始しました」"
    "（https://www.ksrp.or.jp/robo-dx/blog/archives/2025/009835.html）。"
    "補助額1件当たり最大：計画策定枠200万円・事業変革枠500万円。補助率：市内中小事業者は補助"
    "対象経費の2/3（それ以外は1/2）。補助額は千円未満切り捨て。"
)
_KITAKYUSHU_COMMON_CONDITIONS = [
    {"kind": "note", "text": "補助率2/3は市内中小事業者の場合（市内中小事業者以外は1/2）"},
    {"kind": "note", "text": "補助対象事業は審査のうえ決定"},
    {"kind": "note", "text": "補助対象期間：令和7年4月14日〜令和8年1月31日"},
]

KITAKYUSHU_PLANNING = {
    "name": "北九州市 DX推進補助金（計画策定枠）",
    "scope": "municipality", "prefecture": "福岡県", "municipality": "北九州市",
    "municipality_code": "401005", "fiscal_year": 2025,
    "rate": "2/3", "cap_yen": 2_000_000, "rounding_unit_yen": 1000,
    "eligible_cost_types": ["outsourcing"],
    # The 枠 pays for drawing up a DX推進計画, with external planning/analysis work
    # eligible. Whether a monthly advisory retainer (助言・伴走の準委任) counts as such
    # external work is not settled by the source: not claimed, marked 要確認.
    "covers_advisory_fees": False,
    "application_window": "令和7年4月14日（月）〜令和7年5月30日（金）17時（必着）",
    "conditions": [
        *_KITAKYUSHU_COMMON_CONDITIONS,
        {"kind": "note", "text": "デジタル技術を活用した業務プロセスの変革、顧客に提供する価値の"
                                 "変革や新規事業の創出に向けたDX推進計画の作成が対象"},
        {"kind": "to_confirm", "text": "月額の顧問・伴走支援料が、計画策定・分析のための外部経費と"
                                       "して補助対象になるかは募集要領で確認が必要（本システムでは"
                                       "補助額の概算を出しません）"},
    ],
    "documents_required": ["事業計画書兼交付申請書（計画策定枠・様式1-1）",
                           "予算経費見込書（計画策定枠・様式2-1）",
                           "その他、公募要領に定める書類"],
    "source_note": _KITAKYUSHU_SOURCE,
    "active": True,
}

KITAKYUSHU_TRANSFORMATION = {
    **KITAKYUSHU_PLANNING,
    "name": "北九州市 DX推進補助金（事業変革枠）",
    "cap_yen": 5_000_000,
    "eligible_cost_types": ["outsourcing", "travel", "equipment", "labour", "other"],
    "covers_advisory_fees": False,
    "conditions": [
        *_KITAKYUSHU_COMMON_CONDITIONS,
        {"kind": "note", "text": "自社既存のDX推進計画や中期経営計画の記載に沿って進める業態変革・"
                                 "新ビジネス創出の取組みが対象"},
        {"kind": "to_confirm", "text": "月額の顧問・伴走支援料が補助対象経費になるかは募集要領で"
                                       "確認が必要（本システムでは補助額の概算を出しません）"},
    ],
    "documents_required": ["事業計画書兼交付申請書（事業変革枠・様式1-2）",
                           "予算経費見込書（事業変革枠・様式2-2）",
                           "その他、公募要領に定める書類"],
}

# 守山市 副業人材活用事業補助金（令和6年度）. Announced by 守山商工会議所 (2024-07-12).
# The talent's fee is an advisory fee: covered, with the route conditions shown.
MORIYAMA_SIDE_JOB = {
    "name": "守山市 副業人材活用事業補助金",
    "scope": "municipality", "prefecture": "滋賀県", "municipality": "守山市",
    "municipality_code": "252077", "fiscal_year": 2024,
    "rate": "2/3", "cap_yen": 150_000, "rounding_unit_yen": 1,
    "eligible_cost_types": ["talent_fee", "agency_fee"],
    "covers_advisory_fees": True,
    "application_window": "7月1日（月）〜10月31日（木）（予算額に達する見込みの場合は期間中でも"
                          "受付終了）",
    "conditions": [
        {"kind": "licensed_agency"},
        {"kind": "note", "text": "守山市内に事務所・事業所を有する、または守山商工会議所の会員"
                                 "である中小企業者等（みなし大企業を除く）"},
        {"kind": "note", "text": "紹介会社は、有料職業紹介事業者で滋賀県プロフェッショナル人材戦略"
                                 "拠点の連携先として登録されている会社に限る"},
        {"kind": "note", "text": "副業人材は、業務委託契約等に基づき個人名義で中小企業等と契約する"
                                 "人材に限る"},
        {"kind": "note", "text": "補助対象期間：7月1日〜12月31日"},
        {"kind": "note", "text": "紹介会社に支払った手数料・業務委託料は別枠で補助率10/10・上限"
                                 "10万円（併用可。この概算には含めていません）"},
        {"kind": "to_confirm", "text": "本サービスのご契約の形（当金庫の紹介・運営会社との契約）が"
                                       "上記の紹介会社・個人契約の要件を満たすか"},
    ],
    "documents_required": ["申請書類は守山商工会議所の案内で確認"],
    "source_note": (
        "守山商工会議所「副業人材活用事業補助金のご案内」（2024年7月12日掲載、"
        "https://moriyama-cci.or.jp/2024/07/12/fukugyouhojokin）：副業人材に支払った報酬 補助率"
        "2/3・補助限度額15万円、紹介会社に支払った手数料及び業務委託料 補助率10/10・補助限度額"
        "10万円。令和6年度の内容。実施主体と次年度以降の実施は要確認。"
    ),
    "active": True,
}

# 戸田市DX推進補助金（令和7年度）: the "city DX subsidy listing コンサルティング費用" case
# of JAPAN.md §5 (1/2, cap ¥500,000, HQ in the city ≥ 1 year, no double use).
TODA_DX = {
    "name": "戸田市 DX推進補助金",
    "scope": "municipality", "prefecture": "埼玉県", "municipality": "戸田市",
    "municipality_code": "112241", "fiscal_year": 2025,
    "rate": "1/2", "cap_yen": 500_000, "rounding_unit_yen": 1000,
    "eligible_cost_types": ["consulting_fee", "development", "system", "training"],
    # 「データやデジタル技術の活用に必要なITコンサルティングに要する経費（例）専門家への謝金等」
    "covers_advisory_fees": True,
    "application_window": "2025年4月1日（火）から受付、予算上限に達し次第終了",
    "conditions": [
        {"kind": "no_double_national"},
        {"kind": "hq_in_area_years", "n": 1},
        {"kind": "note", "text": "中小企業者（個人事業主を含む）で、市内に本店（個人事業主は主たる"
                                 "事業所）があること。市税等の滞納がないこと"},
        {"kind": "note", "text": "当該年度の4月1日以降に発生した経費（税抜）が対象。1事業者につき"
                                 "1会計年度1回限り"},
    ],
    "documents_required": ["募集要領に定める申請書類（戸田市ホームページ）"],
    "source_note": (
        "戸田市「2025年度（令和7年度）戸田市DX推進補助金」"
        "（https://jcw.city.toda.saitama.jp/soshiki/214/keizai-dxhojyo.html）：補助対象経費"
        "（税抜）の2分の1、上限50万円（1,000円未満切り捨て）。対象経費にコンサルティング費用"
        "（ITコンサルティング、専門家への謝金等）を含む。"
    ),
    "active": True,
}

# IT導入補助金（国）: pre-registered IT tools bought through a registered IT導入支援事業者.
# An advisory retainer is not such a tool: never covers advisory fees, never an estimate.
IT_INTRODUCTION = {
    "name": "IT導入補助金（サービス等生産性向上IT導入支援事業）",
    "scope": "national", "fiscal_year": 2025,
    "rate": "1/2", "cap_yen": None, "rounding_unit_yen": 1,
    "eligible_cost_types": ["system"],
    "covers_advisory_fees": False,
    "application_window": "公募回ごとに締切あり（事務局サイトで確認）",
    "conditions": [
        {"kind": "note", "text": "IT導入支援事業者が事前に登録したITツールを、その事業者と共同で"
                                 "申請・導入する経費が対象。顧問・伴走支援料は対象外"},
        {"kind": "note", "text": "補助率・上限額は申請枠により異なる（通常枠は1/2以内。上限額は"
                                 "この記録では扱わない）"},
    ],
    "documents_required": ["事務局サイトの公募要領で確認"],
    "source_note": (
        "IT導入補助金2025（中小企業庁・独立行政法人中小企業基盤整備機構）"
        "https://it-shien.smrj.go.jp/ ：登録されたIT導入支援事業者と登録ITツールに限る。"
    ),
    "active": True,
}

REAL_PROGRAMMES = [KITAKYUSHU_PLANNING, KITAKYUSHU_TRANSFORMATION, MORIYAMA_SIDE_JOB, TODA_DX,
                   IT_INTRODUCTION]
