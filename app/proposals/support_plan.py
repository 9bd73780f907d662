"""The first 90-day support plan (最初の90日間の支援計画) of a proposal, built from the needs
and the chosen plan.

Each need tag has one step per phase; the plan is the phases with the steps of the case's
needs in the order heard, plus a few steps that depend on tools, urgency and the plan's
cadence (how often the advisor meets the client, and whether and how often they visit): a
plan without visits never promises one."""
from dataclasses import dataclass, field

PHASES = (
    ("1〜30日", "現状把握・課題の整理"),
    ("31〜60日", "改善策の試行・導入"),
    ("61〜90日", "定着・効果の確認"),
)

# need tag → (phase 1, phase 2, phase 3)
NEED_STEPS: dict[str, tuple[str, str, str]] = {
    "業務効率化・ペーパーレス": (
        "紙・手作業が残る業務の洗い出しと、作業時間の把握",
        "効果の大きい業務から電子化・ペーパーレス化を試行",
        "新しい手順を社内ルールとして定着させ、削減時間を確認",
    ),
    "在庫・受発注・生産管理": (
        "在庫・受発注の流れと管理方法（紙・Excel等）の確認",
        "在庫・受発注管理の仕組みを選定し、対象品目を絞って試行",
        "棚卸し・発注業務での運用を定着させ、所要時間の変化を確認",
    ),
    "顧客管理・営業支援": (
        "顧客情報・商談情報の管理状況と営業の進め方の確認",
        "顧客管理の項目を整理し、顧客管理ツールでの記録を開始",
        "営業会議での活用方法を決め、商談状況の見える化を定着",
    ),
    "EC・販路開拓": (
        "主力商品・顧客層と現在の販売チャネルの整理",
        "EC・新たな販路の候補を比較し、小さく出品・テスト販売",
        "販売データを振り返り、次の打ち手と運用体制を決定",
    ),
    "Web・SNS集客": (
        "ホームページ・SNSの現状と問い合わせ経路の確認",
        "発信内容と頻度を決め、SNS・Webでの情報発信を開始",
        "閲覧数・問い合わせ数を確認し、発信内容を改善",
    ),
    "採用・採用ブランディング": (
        "求める人物像と、これまでの採用活動・応募状況の確認",
        "求人票・採用ページの見直しと、会社の魅力の発信",
        "応募・面接の状況を振り返り、採用活動の進め方を改善",
    ),
    "会計・バックオフィス": (
        "経理・請求・給与などバックオフィス業務の流れの確認",
        "会計・請求業務のクラウド化や自動化の範囲を決めて試行",
        "月次締めの手順を整え、作業時間と正確さの変化を確認",
    ),
    "データ活用・BI": (
        "社内にあるデータ（売上・在庫・顧客等）と活用状況の確認",
        "経営判断に使う指標を決め、集計表・ダッシュボードを作成",
        "定例会議でデータを見る習慣づくりと、指標の見直し",
    ),
    "情報セキュリティ": (
        "パソコン・アカウント・データ管理の現状とリスクの確認",
        "優先度の高い対策（バックアップ・パスワード管理等）を実施",
        "社内ルールの整備と、社員向けの注意点の共有",
    ),
    "ITインフラ・クラウド": (
        "社内のパソコン・ネットワーク・サーバー環境の確認",
        "クラウドサービスへの移行計画を立て、一部業務から移行",
        "運用・保守の担当と手順を決め、安定稼働を確認",
    ),
    "業務アプリ・ノーコード": (
        "アプリ化すると効果の高い業務（日報・申請・台帳等）の選定",
        "ノーコードツールで業務アプリを試作し、現場で試用",
        "現場の意見を反映して改善し、社内で修正できる体制づくり",
    ),
    "事業承継・属人化解消": (
        "特定の人に頼っている業務・ノウハウの洗い出し",
        "業務手順の見える化（マニュアル・動画等）を開始",
        "引き継ぎの進み具合を確認し、次に取り組む業務を決定",
    ),
    "DX戦略・新規事業": (
        "経営課題と目指す姿のヒアリング、現状のIT活用度の診断",
        "優先して取り組むテーマを決め、3か年のDX計画の骨子を作成",
        "計画を社内で共有し、最初の施策の進捗を確認",
    ),
    "AI・生成AI活用": (
        "文章作成・問い合わせ対応など、AIで効率化できる業務の洗い出し",
        "生成AIの利用ルールを決め、対象業務で試験的に活用",
        "効果と注意点を振り返り、社内での活用範囲を決定",
    ),
    "店舗・予約・キャッシュレス": (
        "店舗での予約・会計・顧客対応の流れの確認",
        "予約システム・キャッシュレス決済などの導入と試行",
        "お客さまの利用状況と店舗の作業時間の変化を確認",
    ),
    "原価管理・価格転嫁": (
        "製品・サービスごとの原価の把握方法と取引条件の確認",
        "原価計算の仕組みを整え、主要製品の原価を試算",
        "原価データをもとに価格・取引条件の見直し方針を整理",
    ),
}

GENERIC_STEPS = (
    "ご相談内容の詳しいヒアリングと、優先して取り組む課題の決定",
    "優先課題から改善策を試行",
    "効果の確認と定着",
)


@dataclass(frozen=True)
class Cadence:
    """What a plan includes, in the words of the support plan."""

    meetings: str  # 「月2回の定例相談」
    visits: str | None = None  # 「四半期に1回」; None: the plan includes no visits
    visits_in_90_days: int = 0


# Plan code → cadence (PRODUCT.md §5: ライト = online once a month + chat; スタンダード = twice
# a month + one visit a quarter; プレミアム = weekly + one visit a month). A plan not listed here
# gets NO_VISITS: the support plan never promises a visit the plan may not include.
PLAN_CADENCES: dict[str, Cadence] = {
    "light": Cadence("月1回のオンライン定例相談とチャット"),
    "standard": Cadence("月2回の定例相談とチャット", "四半期に1回", 1),
    "premium": Cadence("毎週の定例相談とチャット", "月1回", 3),
}
NO_VISITS = Cadence("定例相談とチャット")


@dataclass
class Phase:
    period: str
    title: str
    steps: list[str] = field(default_factory=list)


@dataclass
class SupportPlan:
    phases: list[Phase]
    visit_note: str  # one sentence on visits: how many, or that none are included


def cadence_for(plan_code: str) -> Cadence:
    return PLAN_CADENCES.get(plan_code, NO_VISITS)


def _visit_note(cadence: Cadence, plan_name: str, onsite_wanted: bool) -> str:
    if cadence.visits is None:
        note = (f"{plan_name}プランには訪問でのご支援は含まれません（オンライン相談とチャットで"
                "ご支援します）。訪問が必要な場合は、別途ご相談のうえ手配いたします。")
        if onsite_wanted:
            note += "訪問でのご支援をご希望のため、訪問を含むプランもあわせてご検討ください。"
        return note
    return (f"{plan_name}プランの訪問は{cadence.visits}です"
            f"（最初の90日間で{cadence.visits_in_90_days}回）。日程はご都合に合わせて調整します。")


def build_support_plan(needs: list[str], tools: list[str], onsite_wanted: bool, urgency: str,
                       plan_code: str, plan_name: str) -> SupportPlan:
    """Three phases whose steps follow the needs (in the order heard), the situation and the
    plan's cadence; visits appear only when the plan includes them."""
    cadence = cadence_for(plan_code)
    phases = [Phase(period, title) for period, title in PHASES]
    first, second, third = phases
    if cadence.visits is None:
        first.steps.append("オンラインでのキックオフ面談（経営者さま・現場ご担当者さま）と、"
                           "画面共有や資料による業務の確認")
    else:
        first.steps.append("キックオフ面談（経営者さま・現場ご担当者さま）と、"
                           "訪問による現場の業務の確認")
    if tools:
        first.steps.append(f"現在お使いのツール（{'、'.join(tools)}）の活用状況の確認")
    if urgency == "1か月以内":
        first.steps.append("すぐに効果が出る改善を1つ選び、最初の30日で着手")
    known = [n for n in needs if n in NEED_STEPS]
    for need in known:
        for phase, step in zip(phases, NEED_STEPS[need], strict=True):
            phase.steps.append(f"【{need}】{step}")
    if not known:
        for phase, step in zip(phases, GENERIC_STEPS, strict=True):
            phase.steps.append(step)
    second.steps.append(f"{cadence.meetings}で進み具合を確認し、必要に応じて計画を調整")
    if cadence.visits_in_90_days >= 3:
        second.steps.append("訪問で、試行の様子を現場で確認")
        third.steps.append("訪問で、定着の様子を現場で確認")
    third.steps.append("90日間の振り返りと、次の3か月の支援計画のご提案")
    return SupportPlan(phases, _visit_note(cadence, plan_name, onsite_wanted))
