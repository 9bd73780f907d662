"""Needs and warnings read from intake notes: the taxonomy's own words, what clients say,
normalisation, and the false positives that must not happen."""
import pytest

from app.matching.inference import detect_warnings, infer_needs
from app.matching.taxonomy import NEED_TAGS

# The examples column of PRODUCT.md §4: each word alone implies its tag.
TAXONOMY_EXAMPLES = {
    "業務効率化・ペーパーレス": ["紙の書類", "FAX", "手書き", "二重入力", "電子化", "RPA"],
    "在庫・受発注・生産管理": ["在庫", "棚卸", "受注", "発注", "生産計画", "出荷"],
    "顧客管理・営業支援": ["顧客台帳", "名刺", "CRM", "SFA", "営業日報", "見込み客"],
    "EC・販路開拓": ["ネットショップ", "通販", "EC", "BASE", "Shopify", "新規顧客獲得", "販路"],
    "Web・SNS集客": ["ホームページ", "SEO", "SNS", "Instagram", "LINE公式アカウント", "口コミ"],
    "採用・採用ブランディング": ["採用", "求人", "応募が来ない", "若手", "採用サイト", "人手不足"],
    "会計・バックオフィス": ["会計", "経理", "請求書", "インボイス", "電子帳簿保存法", "給与",
                       "勤怠", "freee", "マネーフォワード"],
    "データ活用・BI": ["売上分析", "Excel集計", "ダッシュボード", "見える化"],
    "情報セキュリティ": ["ウイルス", "ランサムウェア", "バックアップ", "パスワード", "情報漏えい"],
    "ITインフラ・クラウド": ["PC", "ネットワーク", "Wi-Fi", "Google Workspace", "Microsoft 365",
                        "クラウド移行"],
    "業務アプリ・ノーコード": ["kintone", "ノーコード", "業務アプリ", "システム開発", "Access"],
    "事業承継・属人化解消": ["事業承継", "後継者", "属人化", "マニュアル化", "ベテランの勘"],
    "DX戦略・新規事業": ["DX計画", "IT投資", "新規事業", "補助金活用", "経営計画"],
    "AI・生成AI活用": ["生成AI", "ChatGPT", "AI", "自動化アイデア"],
    "店舗・予約・キャッシュレス": ["POS", "レジ", "予約", "キャッシュレス", "Airレジ", "順番待ち"],
    "原価管理・価格転嫁": ["原価", "原価高騰", "値上げ", "価格転嫁", "見積"],
}
EXAMPLES = [(tag, word) for tag, words in TAXONOMY_EXAMPLES.items() for word in words]


@pytest.mark.parametrize("tag,word", EXAMPLES, ids=[w for _, w in EXAMPLES])
def test_taxonomy_example_implies_its_tag(tag, word):
    assert tag in infer_needs(f"{word}について相談したい。")


@pytest.mark.parametrize("notes,tags", [
    ("求人を出しても応募が来ない。", ["採用・採用ブランディング"]),
    ("ベテラン社員の勘に頼っていて、社長が引退したら誰も分からなくなる。",
     ["事業承継・属人化解消"]),
    ("見積もりは毎回手計算。", ["原価管理・価格転嫁"]),
    ("材料費の値上がりを価格に反映できていない。", ["原価管理・価格転嫁"]),
    ("注文はいまだにファックスで来る", ["業務効率化・ペーパーレス"]),
    ("ホームページが古くて問い合わせが来ない", ["Web・SNS集客"]),
    ("工事ごとの利益が見えない", ["データ活用・BI", "原価管理・価格転嫁"]),
    ("パソコンが古くてWi-Fiもよく切れる", ["ITインフラ・クラウド"]),
    ("ChatGPTを業務に使ってみたい", ["AI・生成AI活用"]),
    ("お客さまの情報が担当者ごとにバラバラ", ["顧客管理・営業支援"]),
    ("店頭販売が中心。ネットでも売りたい", ["EC・販路開拓"]),
    ("段取りは工場長にしかわからない", ["事業承継・属人化解消"]),
    ("配車は電話とホワイトボード", ["業務効率化・ペーパーレス"]),
])
def test_what_clients_say(notes, tags):
    assert set(tags) <= set(infer_needs(notes))


@pytest.mark.parametrize("typed", ["ＦＡＸで受注", "faxで受注", "Faxで受注", "ﾌｧｯｸｽで受注",
                                   "ふぁっくすで受注"])
def test_notes_are_normalised_before_matching(typed):
    assert infer_needs(typed) == ["業務効率化・ペーパーレス", "在庫・受発注・生産管理"]


def test_tags_come_in_taxonomy_order_without_duplicates():
    tags = infer_needs("原価が上がった。在庫も多い。ChatGPTも気になる。在庫を減らしたい。")
    assert tags == [t for t in NEED_TAGS if t in tags]
    assert tags == ["在庫・受発注・生産管理", "AI・生成AI活用", "原価管理・価格転嫁"]


@pytest.mark.parametrize("notes", [
    "これじゃ困る",  # contains れじ, not レジ
    "中途半端な状態",  # not 中途採用
    "和紙の製造をしている",  # a paper maker, not paperwork
    "この方式を採用した",  # adopting a method, not hiring
    "メールで連絡している",  # 'ai' inside a word is not AI
    "これしかできない",  # not a person the business depends on
    "",
    "   ",
])
def test_no_absurd_needs(notes):
    assert infer_needs(notes) == []


def test_order_slips_are_not_accounting():
    assert "会計・バックオフィス" not in infer_needs("紙の受注伝票が多い")


def test_adopting_a_tool_is_not_hiring():
    assert infer_needs("kintoneを採用した") == ["業務アプリ・ノーコード"]
    assert "採用・採用ブランディング" in infer_needs("kintoneを入れたが若手の採用が進まない")


# (notes, code, flagged): what must be flagged, and look-alikes that must not be.
WARNING_CASES = [
    *[(notes, "sensitive_info", True) for notes in [
        "社長が病気で入院しており、事業承継を急ぎたい。",
        "専務は持病があって通院している",
        "従業員に障害のある方がいる",
        "本籍地の確認が必要",
        "宗教上の理由で",
        "労働組合との交渉がある",
        "組合の活動が盛ん",
        "前科のある社員",
        "社長の健康状態が心配",
    ]],
    *[(notes, "sensitive_info", False) for notes in [
        "システム障害で受注が止まった",
        "通信障害が月に一度ある",
        "サーバーの障害対応に追われる",
        "事業協同組合に加盟している",
        "商店街振興組合の会員",
        "入院患者の予約管理をしたい",
        "宗教法人の会計",
        "部品の組合せが多い",
    ]],
    *[(notes, "employment_like", True) for notes in [
        "週3日常駐してくれる社員として来てほしい。",
        "週３日は会社に来て",  # full-width digit
        "正社員として来てほしい",
        "毎日出社してほしい",
        "9時から18時まで来てほしい",
        "うちで雇用したい",
        "勤務時間はこちらで決めたい",
        "指揮命令下で働いてほしい",
    ]],
    *[(notes, "employment_like", False) for notes in [
        "求人を出しても応募が来ない。",
        "正社員の採用に苦戦している",
        "若手を正社員として採用したい",
        "出勤簿が紙",
        "勤務時間の集計が手作業",
        "ウイルス対策の常駐ソフトが重い",
        "ベテラン社員の勘に頼っている",
        "週2日くらいアドバイスに来てもらえると助かる",  # visits for advice are the service
    ]],
]


@pytest.mark.parametrize("notes,code,flagged", WARNING_CASES,
                         ids=[f"{c}-{f}-{n}" for n, c, f in WARNING_CASES])
def test_warnings(notes, code, flagged):
    assert (code in {w.code for w in detect_warnings(notes)}) is flagged


def test_warning_lists_the_words_as_typed():
    [warning] = detect_warnings("社長が病気で入院、労働組合もある")
    assert warning.code == "sensitive_info"
    assert warning.matched == ["病気", "入院", "労働組合"]  # not 組合 a second time
    assert "削除" in warning.message


def test_employment_warning_tells_what_to_do():
    [warning] = detect_warnings("週３日常駐してくれる社員として来てほしい。")
    assert warning.matched == ["週３日常駐", "社員として"]
    assert "準委任" in warning.message


def test_clean_notes_have_no_warnings():
    assert detect_warnings("在庫を紙とExcelで管理しており、月末の棚卸しに3日かかる。") == []


def test_religious_affiliation_is_sensitive_but_disability_hiring_policy_is_not():
    from app.matching.inference import detect_warnings

    assert [w.code for w in detect_warnings("社長は創価学会の会員です。")] == ["sensitive_info"]
    assert detect_warnings("障がい者雇用を進めたいので、採用ページを作りたい。") == []
    assert detect_warnings("障害者雇用の助成金を調べたい。") == []


# ---- paraphrases, inflections and kana: read through the tokenizer -------------------------

@pytest.mark.parametrize("notes,tags", [
    ("ネットで特産品を売りたい", ["EC・販路開拓"]),
    ("FAXの注文を手入力している", ["業務効率化・ペーパーレス", "在庫・受発注・生産管理"]),
    ("ﾌｧｸｽで届いた注文を一件ずつ打ち込んでいる",
     ["業務効率化・ペーパーレス", "在庫・受発注・生産管理"]),
    ("求人を出したが応募が来なかった", ["採用・採用ブランディング"]),
    ("清掃スタッフが全然集まらんさ", ["採用・採用ブランディング"]),
    ("倉庫のどこに何があるか、古株のパートさんしか分からへん。",
     ["在庫・受発注・生産管理", "事業承継・属人化解消"]),
    ("その人が休むと仕事が回らない", ["事業承継・属人化解消"]),
    ("燃料代が上がった分を荷主さんに請求できとらん", ["原価管理・価格転嫁"]),
    ("どの商品が儲かってるのか分かってない", ["データ活用・BI", "原価管理・価格転嫁"]),
    ("店のことをもっと知ってもらいたい", ["Web・SNS集客"]),
    ("パスワードを付箋に書いて貼っとる", ["情報セキュリティ"]),
    ("お客さんがカードで払いたいと言ってくる", ["店舗・予約・キャッシュレス"]),
])
def test_paraphrases_and_inflected_forms(notes, tags):
    assert set(tags) <= set(infer_needs(notes))


@pytest.mark.parametrize("typed,tag", [
    ("ざいこがあわない", "在庫・受発注・生産管理"),
    ("まいつきのたなおろしがたいへん", "在庫・受発注・生産管理"),
    ("よやくはでんわだけ", "店舗・予約・キャッシュレス"),
    ("ほーむぺーじがない", "Web・SNS集客"),
])
def test_hiragana_typed_for_a_word(typed, tag):
    assert tag in infer_needs(typed)


@pytest.mark.parametrize("notes", [
    "しょうがないので続けている",  # not 症
    "びょういんのちかくにある店",  # 病院 is not a person's health
])
def test_hiragana_does_not_invent_words(notes):
    assert detect_warnings(notes) == []


@pytest.mark.parametrize("notes,code,flagged", [
    # sensitive information, inflected and paraphrased
    ("社長が先月から入院してて戻れない", "sensitive_info", True),
    ("社長がにゅういんしている", "sensitive_info", True),
    ("会長はがんの治療中です", "sensitive_info", True),
    ("社長は最近体を壊してしまった", "sensitive_info", True),
    ("経理担当がうつで休んでいる", "sensitive_info", True),
    ("専務は糖尿病で病院に通っている", "sensitive_info", True),
    ("工場に組合があって話し合いが要る", "sensitive_info", True),
    ("昔の従業員が捕まって刑務所に入っていた", "sensitive_info", True),
    ("女将さんが熱心な信者で土日は休む", "sensitive_info", True),
    ("熱中症対策で現場にエアコンを入れた", "sensitive_info", False),
    ("病院の医事課で予約の電話がさばけない", "sensitive_info", False),
    ("通院している患者さんの予約をネットで受けたい", "sensitive_info", False),
    ("JAの組合員さん向けに出荷している", "sensitive_info", False),
    ("システムに障害が出るとレジが止まる", "sensitive_info", False),
    # employment-like, said in other words
    ("在庫に詳しい人に週3で来てほしい", "employment_like", True),
    ("うちの社員みたいに毎朝来てくれる人がいい", "employment_like", True),
    ("IT担当として常駐してもらえる方を希望します", "employment_like", True),
    ("毎朝うちに出勤してもらって朝礼にも出てほしい", "employment_like", True),
    ("正社員で来てほしい", "employment_like", True),
    ("こっちが決めた時間に毎日オンラインで待機しててほしい", "employment_like", True),
    ("社員向けのパソコン研修をしてほしい", "employment_like", False),
    ("社員が毎朝出社したらすぐ日報を書けるようにしたい", "employment_like", False),
    ("正社員とパートの給与計算が複雑", "employment_like", False),
    ("保守業者が常駐してるわけじゃないので誰も直せない", "employment_like", False),
    ("週1回来てもらって相談したい", "employment_like", False),
    ("若い人に正社員として来てほしいけど、求人を出しても反応がない", "employment_like", False),
])
def test_warnings_in_other_words(notes, code, flagged):
    assert (code in {w.code for w in detect_warnings(notes)}) is flagged


def test_matched_words_are_as_typed_with_their_endings():
    [warning] = detect_warnings("社長がにゅういんしていて、体を壊してしまった")
    assert warning.matched == ["にゅういん", "体を壊して"]
    [warning] = detect_warnings("在庫に詳しい人に週３で来てほしい")
    assert warning.matched == ["週３で来て"]


def test_a_line_break_ends_a_sentence():
    # 「毎日」 on one line and 「来てほしい」 on the next are not one request to come daily.
    assert detect_warnings("売上を毎日\n来てほしいお客さんに案内を送りたい") == []


def test_threads_each_read_with_their_own_tokenizer():
    """A threaded server calls inference from many threads at once: each gets a tokenizer
    of its own (a Sudachi tokenizer may not be shared), and the answers do not change."""
    import threading

    from app.matching import inference

    threads = 8
    notes = [[f"{t}-{i}: ネットで売りたい。在庫が合わない。社長が入院してて週3で来てほしい"
              for i in range(20)] for t in range(threads)]
    expected = [[(infer_needs(n), detect_warnings(n)) for n in batch] for batch in notes]
    inference._read.cache_clear()
    barrier = threading.Barrier(threads)
    got: dict[int, list] = {}
    tokenizers: dict[int, object] = {}

    def work(t: int) -> None:
        barrier.wait()  # all start together
        got[t] = [(infer_needs(n), detect_warnings(n)) for n in notes[t]]
        tokenizers[t] = inference._SUDACHI._tokenizer()

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert [got[t] for t in range(threads)] == expected
    assert len({id(tok) for tok in tokenizers.values()}) == threads
