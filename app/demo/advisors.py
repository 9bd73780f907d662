"""About 170 demo advisors (デジタル人材), generated from fixed pools with a fixed random seed,
in the acceptance JSON format (tests/data/advisors.json) so they load through the one
advisor import path. Same records on every run, on every machine."""
import random
from collections.abc import Sequence
from dataclasses import dataclass

from app.japan.identifiers import corporate_number_check_digit

ADVISOR_COUNT = 170
SEED = 20260401

# (kanji, reading). Family names include regional ones (五十嵐・本間 in 新潟, 古賀 in 福岡 …).
FAMILY_NAMES = [
    ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"),
    ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"),
    ("小林", "コバヤシ"), ("加藤", "カトウ"), ("吉田", "ヨシダ"), ("山田", "ヤマダ"),
    ("佐々木", "ササキ"), ("山口", "ヤマグチ"), ("松本", "マツモト"), ("井上", "イノウエ"),
    ("木村", "キムラ"), ("林", "ハヤシ"), ("斎藤", "サイトウ"), ("清水", "シミズ"),
    ("山崎", "ヤマザキ"), ("森", "モリ"), ("池田", "イケダ"), ("橋本", "ハシモト"),
    ("阿部", "アベ"), ("石川", "イシカワ"), ("山下", "ヤマシタ"), ("中島", "ナカジマ"),
    ("石井", "イシイ"), ("小川", "オガワ"), ("前田", "マエダ"), ("岡田", "オカダ"),
    ("長谷川", "ハセガワ"), ("藤田", "フジタ"), ("後藤", "ゴトウ"), ("近藤", "コンドウ"),
    ("村上", "ムラカミ"), ("遠藤", "エンドウ"), ("青木", "アオキ"), ("坂本", "サカモト"),
    ("福田", "フクダ"), ("太田", "オオタ"), ("西村", "ニシムラ"), ("藤井", "フジイ"),
    ("岡本", "オカモト"), ("松田", "マツダ"), ("中川", "ナカガワ"), ("原田", "ハラダ"),
    ("小野", "オノ"), ("竹内", "タケウチ"), ("金子", "カネコ"), ("和田", "ワダ"),
    ("中野", "ナカノ"), ("田村", "タムラ"), ("安藤", "アンドウ"), ("上田", "ウエダ"),
    ("五十嵐", "イガラシ"), ("古賀", "コガ"), ("工藤", "クドウ"), ("本間", "ホンマ"),
    ("樋口", "ヒグチ"), ("菊地", "キクチ"), ("野口", "ノグチ"), ("今井", "イマイ"),
]

GIVEN_NAMES = [
    ("大輔", "ダイスケ"), ("翔太", "ショウタ"), ("健太", "ケンタ"), ("拓也", "タクヤ"),
    ("直樹", "ナオキ"), ("達也", "タツヤ"), ("和也", "カズヤ"), ("浩二", "コウジ"),
    ("誠", "マコト"), ("剛", "ツヨシ"), ("亮", "リョウ"), ("悠人", "ユウト"),
    ("陸", "リク"), ("蓮", "レン"), ("大樹", "ダイキ"), ("雄太", "ユウタ"),
    ("航", "ワタル"), ("智也", "トモヤ"), ("隆", "タカシ"), ("修", "オサム"),
    ("哲也", "テツヤ"), ("慎也", "シンヤ"), ("裕介", "ユウスケ"), ("圭介", "ケイスケ"),
    ("俊介", "シュンスケ"), ("洋平", "ヨウヘイ"), ("康平", "コウヘイ"), ("将大", "マサヒロ"),
    ("一輝", "カズキ"), ("駿", "シュン"), ("正樹", "マサキ"), ("英明", "ヒデアキ"),
    ("秀樹", "ヒデキ"), ("聡", "サトシ"), ("学", "マナブ"), ("淳", "ジュン"),
    ("勇気", "ユウキ"), ("拓海", "タクミ"), ("颯太", "ソウタ"), ("光", "ヒカル"),
    ("美咲", "ミサキ"), ("陽子", "ヨウコ"), ("恵", "メグミ"), ("由美", "ユミ"),
    ("真由美", "マユミ"), ("彩", "アヤ"), ("愛", "アイ"), ("舞", "マイ"),
    ("沙織", "サオリ"), ("香織", "カオリ"), ("千尋", "チヒロ"), ("遥", "ハルカ"),
    ("葵", "アオイ"), ("結衣", "ユイ"), ("杏奈", "アンナ"), ("彩花", "アヤカ"),
    ("奈々", "ナナ"), ("美穂", "ミホ"), ("智子", "トモコ"), ("裕子", "ユウコ"),
    ("直美", "ナオミ"), ("久美子", "クミコ"), ("理恵", "リエ"), ("友美", "トモミ"),
    ("亜希子", "アキコ"), ("紗希", "サキ"), ("菜摘", "ナツミ"), ("明日香", "アスカ"),
    ("梓", "アズサ"), ("彩乃", "アヤノ"), ("瑞穂", "ミズホ"), ("玲奈", "レイナ"),
    ("夏美", "ナツミ"), ("恵美", "エミ"), ("千夏", "チナツ"), ("桃子", "モモコ"),
    ("佳奈", "カナ"), ("優子", "ユウコ"), ("真琴", "マコト"), ("遼", "リョウ"),
]

# Home towns across every region, weighted towards the demo branches' towns and prefectures
# so that regional ties show up in matching. (prefecture, municipality, weight)
HOMETOWNS = [
    ("北海道", "札幌市", 4), ("北海道", "旭川市", 8), ("北海道", "函館市", 2),
    ("北海道", "帯広市", 2), ("北海道", "釧路市", 1), ("北海道", "名寄市", 1),
    ("青森県", "青森市", 1), ("青森県", "弘前市", 1), ("青森県", "八戸市", 1),
    ("岩手県", "盛岡市", 2), ("岩手県", "一関市", 1), ("宮城県", "仙台市", 3),
    ("宮城県", "石巻市", 1), ("秋田県", "秋田市", 1), ("秋田県", "横手市", 1),
    ("山形県", "山形市", 1), ("山形県", "鶴岡市", 1), ("福島県", "郡山市", 1),
    ("福島県", "いわき市", 1), ("福島県", "会津若松市", 1), ("茨城県", "水戸市", 1),
    ("茨城県", "日立市", 1), ("栃木県", "宇都宮市", 1), ("群馬県", "高崎市", 1),
    ("群馬県", "桐生市", 1), ("新潟県", "新潟市", 8), ("新潟県", "長岡市", 5),
    ("新潟県", "上越市", 2), ("新潟県", "三条市", 2), ("新潟県", "燕市", 1),
    ("新潟県", "柏崎市", 1), ("富山県", "富山市", 1), ("富山県", "高岡市", 1),
    ("石川県", "金沢市", 2), ("福井県", "福井市", 1), ("福井県", "鯖江市", 1),
    ("山梨県", "甲府市", 1), ("長野県", "長野市", 1), ("長野県", "松本市", 2),
    ("岐阜県", "岐阜市", 1), ("岐阜県", "高山市", 1), ("静岡県", "浜松市", 2),
    ("静岡県", "静岡市", 1), ("愛知県", "名古屋市", 2), ("愛知県", "豊橋市", 1),
    ("三重県", "四日市市", 1), ("三重県", "伊勢市", 1), ("滋賀県", "彦根市", 1),
    ("京都府", "京都市", 1), ("京都府", "舞鶴市", 1), ("大阪府", "堺市", 1),
    ("兵庫県", "姫路市", 1), ("兵庫県", "豊岡市", 1), ("奈良県", "奈良市", 1),
    ("和歌山県", "田辺市", 1), ("鳥取県", "米子市", 1), ("島根県", "松江市", 1),
    ("岡山県", "倉敷市", 1), ("広島県", "福山市", 1), ("広島県", "尾道市", 1),
    ("山口県", "下関市", 2), ("山口県", "宇部市", 1), ("徳島県", "徳島市", 1),
    ("香川県", "高松市", 1), ("愛媛県", "松山市", 1), ("愛媛県", "今治市", 1),
    ("高知県", "高知市", 1), ("福岡県", "北九州市", 12), ("福岡県", "福岡市", 4),
    ("福岡県", "久留米市", 1), ("福岡県", "飯塚市", 1), ("福岡県", "行橋市", 1),
    ("福岡県", "中間市", 1), ("佐賀県", "唐津市", 1), ("長崎県", "佐世保市", 1),
    ("熊本県", "熊本市", 2), ("熊本県", "八代市", 1), ("大分県", "大分市", 1),
    ("大分県", "中津市", 1), ("宮崎県", "都城市", 1), ("鹿児島県", "鹿児島市", 2),
    ("沖縄県", "那覇市", 1), ("沖縄県", "名護市", 1), ("東京都", "練馬区", 2),
    ("東京都", "八王子市", 1), ("神奈川県", "横浜市", 2), ("埼玉県", "川越市", 1),
    ("千葉県", "船橋市", 1),
]

# Where most advisors live now: the Tokyo area.
RESIDENCES_TOKYO_AREA = [
    ("東京都", "世田谷区"), ("東京都", "渋谷区"), ("東京都", "目黒区"), ("東京都", "杉並区"),
    ("東京都", "品川区"), ("東京都", "江東区"), ("東京都", "中野区"), ("東京都", "練馬区"),
    ("東京都", "大田区"), ("東京都", "文京区"), ("東京都", "武蔵野市"), ("東京都", "三鷹市"),
    ("東京都", "調布市"), ("東京都", "府中市"), ("神奈川県", "横浜市"), ("神奈川県", "川崎市"),
    ("神奈川県", "藤沢市"), ("埼玉県", "さいたま市"), ("埼玉県", "川口市"),
    ("千葉県", "船橋市"), ("千葉県", "市川市"), ("千葉県", "千葉市"),
]
TOKYO_AREA = {"東京都", "神奈川県", "埼玉県", "千葉県"}
# Advisors who went back (Uターン) live in their home town or the nearest large city.
REGIONAL_CITIES = [("福岡県", "福岡市"), ("北海道", "札幌市"), ("大阪府", "大阪市"),
                   ("愛知県", "名古屋市"), ("宮城県", "仙台市")]
CONTRIBUTION_PREFECTURES = ["福岡県", "北海道", "新潟県", "福岡県", "北海道", "新潟県",
                            "長野県", "熊本県", "宮城県", "山口県", "石川県", "沖縄県"]


@dataclass(frozen=True)
class Profile:
    """An advisor archetype: the primary skill, skills it often comes with, and bios that
    describe exactly that work ({y} = years of experience)."""

    primary: str
    secondary: tuple[str, ...]
    industries: tuple[str, ...]
    tools: tuple[str, ...]
    bios: tuple[str, ...]


PROFILES = [
    Profile("在庫・受発注・生産管理", ("業務アプリ・ノーコード", "データ活用・BI"), ("E", "H", "I"),
            ("kintone", "Excel", "Power BI", "Google Workspace"), (
                "製造業向け生産管理SaaSのプロダクトマネージャーを{y}年。受発注から出荷までの流れを"
                "整理し、kintoneで小さく始める在庫管理の立ち上げが得意です。",
                "工場の生産技術からSaaS企業のPdMに転身して{y}年。紙とExcelの生産計画を、"
                "現場が続けられる仕組みに置き換えてきました。",
            )),
    Profile("業務アプリ・ノーコード", ("業務効率化・ペーパーレス", "ITインフラ・クラウド"),
            ("E", "D", "I", "H"), ("kintone", "Access", "Microsoft 365", "Power Apps",
                                   "Salesforce"), (
                "SIerで{y}年、中堅企業の基幹システム導入を担当。要件整理からノーコードでの"
                "業務アプリ開発まで、一人で伴走できます。",
                "元SIerのプロジェクトマネージャー。Accessやkintoneで作られた業務アプリの整理と"
                "作り直しを数多く手がけています。",
            )),
    Profile("ITインフラ・クラウド", ("情報セキュリティ", "業務効率化・ペーパーレス"),
            ("E", "I", "P", "R"), ("Microsoft 365", "Google Workspace", "Slack", "Chatwork"), (
                "事業会社の情報システム部門で{y}年。社員100名規模のPC・ネットワーク管理と"
                "クラウド移行を、ひとり情シスとして回してきました。",
                "情シス歴{y}年。Microsoft 365への移行、Wi-Fiの入れ替え、アカウント管理の"
                "ルールづくりなど、地味だが効く改善が得意です。",
            )),
    Profile("情報セキュリティ", ("ITインフラ・クラウド",), ("P", "E", "G", "I"),
            ("Microsoft 365", "Google Workspace"), (
                "セキュリティベンダーで中小企業向けの診断を{y}年担当。ランサムウェア対策と"
                "バックアップの仕組みを、予算に合わせて提案します。",
                "情報処理安全確保支援士。社内ルールの整備から標的型メールの訓練まで、"
                "身の丈に合ったセキュリティ対策を支援しています。",
            )),
    Profile("EC・販路開拓", ("Web・SNS集客", "データ活用・BI"), ("I", "E", "A"),
            ("Shopify", "BASE", "楽天市場", "Instagram", "Google Analytics"), (
                "食品ECの店長として年商3億円まで育てた経験があります。Shopify・BASEでの"
                "ネットショップ立ち上げと、リピート購入の仕組みづくりが得意です。",
                "D2Cブランドで{y}年EC運営を担当。商品ページの作り込みから受注・発送の効率化まで、"
                "小さなチームで回せる形を提案します。",
            )),
    Profile("Web・SNS集客", ("顧客管理・営業支援", "EC・販路開拓"), ("M", "N", "I"),
            ("Instagram", "LINE公式アカウント", "Googleビジネスプロフィール", "WordPress",
             "Google Analytics"), (
                "広告代理店とWeb制作会社で{y}年マーケティングを担当。Googleビジネスプロフィールや"
                "Instagramを使った、地域のお店の集客が得意です。",
                "事業会社のデジタルマーケター。ホームページの改善とLINE公式アカウントでの"
                "再来店施策で、問い合わせを増やしてきました。",
            )),
    Profile("採用・採用ブランディング", ("Web・SNS集客", "事業承継・属人化解消"),
            ("P", "D", "H", "M", "E"), ("Indeed", "Instagram", "WordPress", "Airワーク"), (
                "人材会社と事業会社の人事で{y}年。求人票の書き直しと採用サイトづくりで、"
                "応募が来ない中小企業の採用を立て直してきました。",
                "採用広報の専門家。社員インタビューやInstagramで会社の魅力を伝え、"
                "若手の応募につなげる支援をしています。",
            )),
    Profile("会計・バックオフィス", ("業務効率化・ペーパーレス",), ("I", "D", "M", "E"),
            ("freee", "マネーフォワード", "弥生会計", "Excel"), (
                "税理士事務所で{y}年、中小企業の記帳と決算を担当。freeeやマネーフォワードへの移行と、"
                "インボイス・電子帳簿保存法への対応を支援します。",
                "税理士事務所出身の経理DXコンサルタント。請求書の電子化と給与・勤怠の連携で、"
                "月末の経理作業を半分にした実績があります。",
            )),
    Profile("データ活用・BI", ("AI・生成AI活用", "原価管理・価格転嫁"), ("I", "E", "M"),
            ("Power BI", "Python", "Excel", "Tableau"), (
                "小売チェーンのデータアナリストを{y}年。Excel集計に埋もれた売上データを、"
                "毎朝見られるダッシュボードに変えてきました。",
                "データサイエンティスト。Power BIとPythonで、売上・在庫の見える化から"
                "需要予測まで段階的に進めます。",
            )),
    Profile("AI・生成AI活用", ("業務効率化・ペーパーレス", "データ活用・BI"), ("G", "L", "I", "R"),
            ("ChatGPT", "Python", "Google Workspace", "Microsoft 365"), (
                "生成AIの業務活用を支援するエンジニア。ChatGPTを使った問い合わせ対応や"
                "見積書づくりの効率化を、社員が自分で使える形で導入します。",
                "機械学習エンジニアを{y}年。AIで何ができて何ができないかを率直に伝え、"
                "小さな自動化から一緒に試します。",
            )),
    Profile("顧客管理・営業支援", ("データ活用・BI", "業務アプリ・ノーコード"),
            ("I", "E", "K", "D"),
            ("Salesforce", "kintone", "HubSpot", "Excel"), (
                "SaaS企業でSalesforceの導入コンサルタントを{y}年。名刺や営業日報を顧客台帳に"
                "まとめ、見込み客を追える営業の仕組みをつくります。",
                "法人営業出身のセールスオペレーション担当。Excelの顧客管理からCRMへの移行を、"
                "営業担当が嫌がらない形で進めます。",
            )),
    Profile("店舗・予約・キャッシュレス", ("Web・SNS集客", "データ活用・BI"), ("M", "N", "I"),
            ("Airレジ", "スマレジ", "Square", "LINE公式アカウント"), (
                "飲食チェーン本部で店舗システムを{y}年担当。Airレジや予約・順番待ちの仕組みで、"
                "少ない人数でも回るお店づくりを支援します。",
                "美容室・飲食店向けPOSの導入支援を数多く経験。キャッシュレス決済と予約管理を"
                "つなげ、売上データを経営に活かします。",
            )),
    Profile("DX戦略・新規事業", ("事業承継・属人化解消", "原価管理・価格転嫁"),
            ("E", "I", "M", "A", "D"), ("Excel", "Google Workspace", "Microsoft 365"), (
                "中小企業診断士。金融機関と組んで{y}年、経営計画とIT投資の計画づくりを"
                "支援してきました。補助金を活用した投資計画も得意です。",
                "コンサルティングファームで新規事業開発を担当。家業の製造業を手伝った経験から、"
                "現実的なDX計画を一緒に考えます。",
            )),
    Profile("原価管理・価格転嫁", ("データ活用・BI", "在庫・受発注・生産管理"), ("E", "D", "M"),
            ("Excel", "kintone", "Power BI"), (
                "メーカーの管理会計を{y}年担当。製品ごとの原価を見える化し、根拠をもって"
                "値上げをお願いできる見積資料づくりを支援します。",
                "原価計算の専門家。材料費やエネルギー価格の高騰を見積に反映する仕組みを、"
                "Excelから始めて整えます。",
            )),
    Profile("在庫・受発注・生産管理", ("業務効率化・ペーパーレス", "ITインフラ・クラウド"),
            ("H", "I"),
            ("Excel", "kintone", "ロジザード", "Google Workspace"), (
                "物流会社でWMSと配車システムの導入を{y}年担当。倉庫の在庫差異とドライバーの"
                "紙の日報をなくす改善が得意です。",
                "3PL企業の元センター長。出荷ミスを減らすバーコード運用と、FAXの受発注を"
                "なくす取り組みを支援します。",
            )),
    Profile("業務効率化・ペーパーレス", ("業務アプリ・ノーコード", "AI・生成AI活用"),
            ("E", "I", "P", "R", "D"), ("Power Automate", "kintone", "Microsoft 365",
                                        "ChatGPT"), (
                "業務改善コンサルタントを{y}年。FAXや手書き伝票の二重入力をなくし、"
                "紙の書類を電子化する仕組みをつくってきました。",
                "RPAとノーコードで事務作業を自動化するのが専門です。まずは現場の作業を"
                "一緒に書き出すところから始めます。",
            )),
    Profile("事業承継・属人化解消", ("業務効率化・ペーパーレス", "DX戦略・新規事業"),
            ("E", "D", "A", "I"), ("Google Workspace", "Notion", "Microsoft 365"), (
                "事業承継の支援を{y}年。ベテランの勘と経験を動画とマニュアルに残し、"
                "若手に引き継ぐ仕組みづくりに伴走します。",
                "家業の町工場を継いだ元エンジニア。属人化した業務の棚卸しと、後継者が回せる"
                "仕組みへの置き換えを支援しています。",
            )),
    Profile("店舗・予約・キャッシュレス", ("Web・SNS集客", "EC・販路開拓"), ("M", "N"),
            ("Airレジ", "Instagram", "WordPress", "Googleビジネスプロフィール"), (
                "旅行予約サイトで宿泊施設の営業を{y}年。予約経路の一元化とインバウンド向けの"
                "情報発信で、旅館・ホテルの稼働率を上げてきました。",
                "観光DXの専門家。温泉旅館の予約管理とキャッシュレス化、多言語の"
                "ホームページづくりを支援しています。",
            )),
    Profile("業務効率化・ペーパーレス", ("業務アプリ・ノーコード", "採用・採用ブランディング"),
            ("D", "K"), ("ANDPAD", "kintone", "LINE WORKS", "Google Workspace"), (
                "ゼネコンの現場監督から建設テック企業に移って{y}年。写真管理や日報の電子化で、"
                "現場の残業を減らす支援をしています。",
                "建設業向けSaaSのカスタマーサクセス。施工管理アプリの定着と、紙の図面・日報の"
                "デジタル化が得意です。",
            )),
    Profile("EC・販路開拓", ("データ活用・BI", "Web・SNS集客"), ("A", "E"),
            ("BASE", "Instagram", "Excel", "食べチョク"), (
                "農業法人で6次産業化と直販を{y}年担当。産直ECとSNSで、市場出荷に頼らない"
                "販路づくりを支援します。",
                "農業ITベンチャー出身。ほ場の記録や出荷量のデータ化から、ネット直販の"
                "立ち上げまで伴走します。",
            )),
    Profile("業務効率化・ペーパーレス", ("採用・採用ブランディング", "ITインフラ・クラウド"),
            ("P",), ("LINE WORKS", "Google Workspace", "iPad", "Excel"), (
                "介護事業所向けシステム会社で{y}年。記録の電子化とタブレット導入で、職員が"
                "利用者さんと向き合う時間を増やしてきました。",
                "介護・福祉の現場の業務改善を支援。紙の記録と転記作業をなくし、シフトや勤怠も"
                "クラウドで管理できるようにします。",
            )),
]


def _valid_number(rng: random.Random) -> str:
    base = f"{rng.randrange(10**12):012d}"
    return f"{corporate_number_check_digit(base)}{base}"


def demo_advisor_records(conflict_targets: Sequence[tuple[str, str]] = ()) -> list[dict]:
    """The demo advisors, PTA-A-0001 …, in the acceptance import format.

    conflict_targets: (法人番号, municipality) of demo clients; for each, the first advisor
    born in that municipality lists it as a conflict, so the exclusion shows in the demo."""
    rng = random.Random(SEED)
    name_pairs = rng.sample(range(len(FAMILY_NAMES) * len(GIVEN_NAMES)), ADVISOR_COUNT)
    towns = [(p, m) for p, m, _ in HOMETOWNS]
    weights = [w for _, _, w in HOMETOWNS]
    records = []
    for i in range(ADVISOR_COUNT):
        n = i + 1
        family, family_kana = FAMILY_NAMES[name_pairs[i] // len(GIVEN_NAMES)]
        given, given_kana = GIVEN_NAMES[name_pairs[i] % len(GIVEN_NAMES)]
        profile = PROFILES[i % len(PROFILES)]
        home_pref, home_muni = rng.choices(towns, weights)[0]
        if home_pref not in TOKYO_AREA and rng.random() < 0.12:
            residence = rng.choice([(home_pref, home_muni), *REGIONAL_CITIES])
        else:
            residence = rng.choice(RESIDENCES_TOKYO_AREA)
        contribution = []
        if rng.random() < 0.35:
            for pref in rng.sample(CONTRIBUTION_PREFECTURES, rng.choice([1, 1, 2])):
                if pref != home_pref and pref not in contribution:
                    contribution.append(pref)

        skills = [{"tag": profile.primary, "level": rng.choice([2, 3, 3])}]
        for tag in rng.sample(profile.secondary, min(len(profile.secondary),
                                                     rng.choice([0, 1, 1, 2]))):
            skills.append({"tag": tag, "level": rng.choice([1, 2, 2])})
        industries = sorted(rng.sample(profile.industries,
                                       min(len(profile.industries), rng.choice([1, 2, 2]))))
        bio = rng.choice(profile.bios).format(y=rng.randint(5, 18))
        # Tools the bio names are always listed; a few others of the profile join them.
        tools = [t for t in profile.tools if t in bio]
        others = [t for t in profile.tools if t not in tools]
        tools += rng.sample(others, min(len(others), max(0, rng.randint(2, 4) - len(tools))))

        status = "active"
        roll = rng.random()
        if roll < 0.03:
            status = "left"
        elif roll < 0.08:
            status = "paused"
        capacity = 0 if status == "left" else rng.randint(1, 5)
        if status != "active":
            active = 0
        elif n % 12 == 0:
            active = capacity  # a few advisors are full
        else:
            active = rng.randint(0, capacity - 1)
        completed = rng.choice([1, 1, 2, 2, 3, 4, 5, 6, 8, 12])
        rating = round(rng.uniform(3.5, 5.0), 1)
        onsite = residence[0] not in TOKYO_AREA or rng.random() < 0.55
        invoice = f"T{_valid_number(rng)}" if rng.random() < 0.3 else None
        conflicts = [_valid_number(rng)] if rng.random() < 0.04 else []

        records.append({
            "external_id": f"PTA-A-{n:04d}",
            "name": f"{family} {given}",
            "name_kana": f"{family_kana} {given_kana}",
            "email": f"pta-a-{n:04d}@advisors.example.jp",
            "hometown": {"prefecture": home_pref, "municipality": home_muni},
            "residence": {"prefecture": residence[0], "municipality": residence[1]},
            "contribution_prefectures": contribution,
            "skills": skills,
            "industries": industries,
            "tools": tools,
            "onsite": onsite,
            "capacity": capacity,
            "active_clients": active,
            "rating": rating,
            "completed_engagements": completed,
            "status": status,
            "conflicts": conflicts,
            "invoice_registration": invoice,
            "bio": bio,
        })

    for number, municipality in conflict_targets:
        for record in records:
            if record["hometown"]["municipality"] == municipality and not record["conflicts"]:
                record["conflicts"] = [number]
                break
    return records
