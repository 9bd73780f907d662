"""Demo client companies (取引先企業), as an officer would type them, and intake notes in
the clients' own words. Every company goes through clean_company when seeded; postal codes
are real codes of those towns (Japan Post data), the companies themselves are fictional."""
from dataclasses import dataclass, field

from app.demo.banks import DEMO_BRANCHES, HAYABUSA, MIRAI
from app.japan.identifiers import corporate_number_check_digit

# 会社法人等番号: 4-digit registry office + 2-digit kind + 6-digit serial. The 法人番号
# is that with a check digit in front. Serials 08xxxx–09xxxx keep clear of the test data.
_OFFICE = {"福岡県": "2900", "北海道": "4500", "新潟県": "1100"}
_KIND = {"株式会社": "01", "有限会社": "02", "合同会社": "03"}


def corporate_number(prefecture: str, name: str, serial: int) -> str:
    kind = next(code for form, code in _KIND.items() if name.startswith(form))
    base = f"{_OFFICE[prefecture]}{kind}{serial:06d}"
    return f"{corporate_number_check_digit(base)}{base}"


@dataclass(frozen=True)
class DemoClient:
    bank_code: str
    branch_code: str
    serial: int
    name: str
    name_kana: str
    industry: str
    employees: int
    postal_code: str
    prefecture: str
    municipality: str
    address: str
    representative_name: str
    representative_title: str
    email: str
    phone: str

    @property
    def corporate_number(self) -> str:
        return corporate_number(self.prefecture, self.name, self.serial)

    def form(self) -> dict:
        """The fields as typed into the client form (input of clean_company)."""
        return {
            "name": self.name, "name_kana": self.name_kana,
            "corporate_number": self.corporate_number, "industry": self.industry,
            "employees": self.employees, "postal_code": self.postal_code,
            "prefecture": self.prefecture, "municipality": self.municipality,
            "address": self.address, "representative_name": self.representative_name,
            "representative_title": self.representative_title, "email": self.email,
            "phone": self.phone,
        }


def _client(branch: tuple[str, str], serial: int, name: str, kana: str, industry: str,
            employees: int, postal_code: str, address: str, representative: str, title: str,
            mail: str, phone: str) -> DemoClient:
    """A client in its branch's town (prefecture and municipality come from the branch)."""
    town = next(b for b in DEMO_BRANCHES if (b.bank_code, b.code) == branch)
    return DemoClient(*branch, serial, name, kana, industry, employees, postal_code,
                      town.prefecture, town.municipality, address, representative, title,
                      f"{mail}.example.jp", phone)


KITAKYUSHU, ASAHIKAWA = (MIRAI, "101"), (MIRAI, "201")
NIIGATA, NAGAOKA = (MIRAI, "301"), (MIRAI, "302")
YAHATA = (HAYABUSA, "501")


# The rare-character company: 𠮷 (U+20BB7, outside the BMP), 髙 and 﨑 (IBM extensions).
RARE_CHARACTER_CLIENT = "株式会社𠮷野髙﨑工務店"

DEMO_CLIENTS: list[DemoClient] = [
    # みらい信用金庫 北九州支店
    _client(KITAKYUSHU, 80101, RARE_CHARACTER_CLIENT, "ヨシノタカサキコウムテン", "D", 18,
            "800-0251", "小倉南区葛原2丁目14-3", "𠮷田 髙志", "代表取締役", "info@yoshino-takasaki",
            "0930410318"),
    _client(KITAKYUSHU, 80102, "株式会社響灘精工", "ヒビキナダセイコウ", "E", 42, "808-0021",
            "若松区響町1丁目62-7", "大庭 正和", "代表取締役社長", "office@hibikinada-seiko",
            "0930750642"),
    _client(KITAKYUSHU, 80103, "有限会社紫川食品", "ムラサキガワショクヒン", "E", 16, "802-0002",
            "小倉北区京町3丁目11-20", "重松 千代子", "取締役", "shop@murasakigawa-foods",
            "0930520316"),
    _client(KITAKYUSHU, 80104, "株式会社めかり観光", "メカリカンコウ", "M", 24, "801-0852",
            "門司区港町5-8", "藤野 真一", "代表取締役", "info@mekari-kanko", "0930320581"),
    _client(KITAKYUSHU, 80105, "株式会社北九運輸", "キタキュウウンユ", "H", 65, "800-0115",
            "門司区新門司3丁目20-1", "梅田 剛", "代表取締役", "unyu@kitakyu-unyu", "0930810115"),
    _client(KITAKYUSHU, 80106, "有限会社黒崎青果", "クロサキセイカ", "I", 11, "806-0021",
            "八幡西区黒崎1丁目4-16", "白石 昭", "代表取締役", "info@kurosaki-seika", "0930620021"),
    _client(KITAKYUSHU, 80107, "株式会社皿倉ケアサービス", "サラクラケアサービス", "P", 55,
            "805-0002", "八幡東区枝光2丁目7-33", "江口 美千代", "代表取締役", "care@sarakura",
            "0930610752"),
    _client(KITAKYUSHU, 80108, "株式会社戸畑鉄工所", "トバタテッコウショ", "E", 28, "804-0012",
            "戸畑区中原東3丁目1-5", "田代 勝也", "代表取締役", "info@tobata-tekko", "0930880422"),
    _client(KITAKYUSHU, 80109, "有限会社小倉焼うどん本舗", "コクラヤキウドンホンポ", "M", 15,
            "802-0006", "小倉北区魚町2丁目6-12", "片山 敏行", "取締役社長", "info@kokura-yakiudon",
            "0930530611"),
    _client(KITAKYUSHU, 80110, "株式会社曽根ファーム", "ソネファーム", "A", 12, "800-0217",
            "小倉南区下曽根4丁目22-8", "安部 健一", "代表取締役", "farm@sone-farm", "0930470217"),
    # みらい信用金庫 旭川支店
    _client(ASAHIKAWA, 90101, "株式会社大雪木工", "タイセツモッコウ", "E", 35, "078-8272",
            "工業団地2条1丁目3-12", "堀 正人", "代表取締役", "info@taisetsu-mokko", "0166050827"),
    _client(ASAHIKAWA, 90102, "有限会社三条通らーめん舎", "サンジョウドオリラーメンシャ", "M", 14,
            "070-0033", "3条通8丁目右10号", "千葉 勇", "取締役", "info@sanjo-ramen", "0166030833"),
    _client(ASAHIKAWA, 90103, "株式会社神居建設", "カムイケンセツ", "D", 48, "070-8012",
            "神居2条5丁目2-17", "畠山 康弘", "代表取締役", "info@kamui-kensetsu", "0166060812"),
    _client(ASAHIKAWA, 90104, "株式会社道北ロジスティクス", "ドウホクロジスティクス", "H", 60,
            "079-8441", "流通団地1条3丁目8番地", "大西 徹", "代表取締役社長", "info@dohoku-logi",
            "0166040844"),
    _client(ASAHIKAWA, 90105, "株式会社永山ファーム", "ナガヤマファーム", "A", 9, "079-8431",
            "永山町12丁目101番地", "菅原 浩", "代表取締役", "farm@nagayama-farm", "0166040843"),
    _client(ASAHIKAWA, 90106, "有限会社宮下通呉服店", "ミヤシタドオリゴフクテン", "I", 6,
            "070-0030", "宮下通10丁目2番3号", "宮下 ふみ", "代表取締役", "info@miyashita-gofuku",
            "0166030030"),
    _client(ASAHIKAWA, 90107, "株式会社ゆきあかり介護", "ユキアカリカイゴ", "P", 40, "071-8133",
            "末広3条6丁目1番18号", "西田 あゆみ", "代表取締役", "info@yukiakari-kaigo",
            "0166050813"),
    _client(ASAHIKAWA, 90108, "株式会社忠別酒造", "チュウベツシュゾウ", "E", 22, "078-8208",
            "東旭川町下兵村145番地", "村井 宗一郎", "代表取締役社長", "info@chubetsu-shuzo",
            "0166070820"),
    # みらい信用金庫 新潟支店
    _client(NIIGATA, 90201, "株式会社沼垂印刷", "ヌッタリインサツ", "E", 30, "950-0075",
            "中央区沼垂東2丁目6番11号", "長谷川 亮", "代表取締役", "info@nuttari-print",
            "0250540075"),
    _client(NIIGATA, 90202, "株式会社白根果樹園", "シロネカジュエン", "A", 13, "950-1217",
            "南区白根1521番地", "笠原 稔", "代表取締役", "info@shirone-kajuen", "0250730121"),
    _client(NIIGATA, 90203, "有限会社湊町旅館", "ミナトマチリョカン", "M", 19, "951-8063",
            "中央区古町通9番町1450番地", "渡部 静香", "取締役女将", "yado@minatomachi-ryokan",
            "0250520863"),
    _client(NIIGATA, 90204, "株式会社竹尾物流", "タケオブツリュウ", "H", 52, "950-0862",
            "東区竹尾4丁目13番2号", "小林 伸也", "代表取締役", "info@takeo-butsuryu", "0250570862"),
    _client(NIIGATA, 90205, "株式会社卸新町商事", "オロシシンマチショウジ", "I", 24, "950-0863",
            "東区卸新町1丁目839番地4", "阿部 智史", "代表取締役社長", "info@oroshi-shoji",
            "0250570863"),
    _client(NIIGATA, 90206, "株式会社にいつ鉄工", "ニイツテッコウ", "E", 33, "956-0864",
            "秋葉区新津本町3丁目2番40号", "桑原 敏夫", "代表取締役", "info@niitsu-tekko",
            "0250580864"),
    _client(NIIGATA, 90207, "株式会社紫竹山建設", "シチクヤマケンセツ", "D", 27, "950-0914",
            "東区紫竹山5丁目8番21号", "高野 雅之", "代表取締役", "info@shichikuyama", "0250540914"),
    _client(NIIGATA, 90208, "有限会社ささだんご本舗", "ササダンゴホンポ", "I", 10, "951-8068",
            "中央区上大川前通七番町1230番地", "坂井 トシ子", "取締役", "info@sasadango-honpo",
            "0250520868"),
    # みらい信用金庫 長岡支店
    _client(NAGAOKA, 90301, "株式会社摂田屋醸造", "セッタヤジョウゾウ", "E", 20, "940-1105",
            "摂田屋4丁目8番12号", "山﨑 陽介", "代表取締役", "info@settaya-jozo", "0258031105"),
    _client(NAGAOKA, 90302, "株式会社長岡精密", "ナガオカセイミツ", "E", 55, "940-2127",
            "新産2丁目5番6号", "内山 隆", "代表取締役社長", "info@nagaoka-seimitsu", "0258042127"),
    _client(NAGAOKA, 90303, "有限会社大手通カフェ", "オオテドオリカフェ", "M", 8, "940-0062",
            "大手通1丁目5番地8", "今井 美和", "取締役", "hello@otedori-cafe", "0258030062"),
    _client(NAGAOKA, 90304, "株式会社与板刃物", "ヨイタハモノ", "E", 11, "940-2402",
            "与板町与板乙2160番地", "松井 清", "代表取締役", "info@yoita-hamono", "0258072402"),
    _client(NAGAOKA, 90305, "合同会社北陽ケアサービス", "ホクヨウケアサービス", "P", 38, "940-0871",
            "北陽1丁目23番地14", "丸山 直子", "代表社員", "info@hokuyo-care", "0258030871"),
    # はやぶさ信用金庫 八幡支店 (the second bank). 響灘精工 banks with both: the same
    # 法人番号 appears in each bank, and neither bank sees the other's record.
    _client(YAHATA, 80102, "株式会社響灘精工", "ヒビキナダセイコウ", "E", 42, "808-0021",
            "若松区響町1丁目62-7", "大庭 正和", "代表取締役社長", "office@hibikinada-seiko",
            "0930750642"),
    _client(YAHATA, 80201, "株式会社折尾電機", "オリオデンキ", "E", 26, "807-0825",
            "八幡西区折尾3丁目4-21", "永田 博之", "代表取締役", "info@orio-denki", "0930690825"),
    _client(YAHATA, 80202, "有限会社陣原ベーカリー", "ジンノハルベーカリー", "E", 9, "807-0821",
            "八幡西区陣原2丁目9-30", "吉村 由香", "取締役", "bread@jinnoharu-bakery", "0930690821"),
    _client(YAHATA, 80203, "株式会社則松運送", "ノリマツウンソウ", "H", 31, "807-0831",
            "八幡西区則松6丁目15-2", "平井 達郎", "代表取締役", "info@norimatsu-unso",
            "0930690831"),
]


@dataclass(frozen=True)
class DemoIntake:
    """What the officer heard at one client. With `saved_steps`, seeded as a draft whose
    wizard steps 1..saved_steps are saved (app.intake.services.STEPS); without, left for the
    intake service to complete (completing opens the case, which the seed does not do)."""

    client: str  # company name in DEMO_CLIENTS (みらい信用金庫)
    current_situation: str
    needs: list[str]
    notes: str
    tools: list[str] = field(default_factory=list)
    budget_monthly_max: int | None = None
    urgency: str = ""
    onsite_required: bool = False
    decision_maker: str = ""
    saved_steps: int | None = None


DEMO_INTAKE_NOTES: list[DemoIntake] = [
    DemoIntake(
        RARE_CHARACTER_CLIENT,
        "戸建て・リフォーム中心の工務店。現場は5班、事務は社長の奥さまと1名。",
        ["業務効率化・ペーパーレス", "採用・採用ブランディング"],
        "現場の写真と日報を紙で回していて、事務所に戻ってから整理するので毎日残業になる。"
        "若い職人が入ってこないので、このままだと10年後が心配。",
        saved_steps=2,
    ),
    DemoIntake(
        "株式会社響灘精工",
        "自動車・産業機械向けの切削加工。多品種少量で、見積は会長と工場長が作っている。",
        ["業務効率化・ペーパーレス", "原価管理・価格転嫁", "事業承継・属人化解消"],
        "FAXで来る注文を毎朝手で打ち直している。見積はベテランの頭の中にしかなく、"
        "本人が休むと止まってしまう。材料費も電気代も上がったのに、単価を見直す根拠が作れていない。",
        ["Excel", "FAX"], 50_000, "3か月以内", True, "代表取締役社長 大庭 正和",
    ),
    DemoIntake(
        "有限会社紫川食品",
        "明太子・ぬか炊きの製造販売。売上の半分は百貨店の催事と贈答。",
        ["EC・販路開拓", "Web・SNS集客"],
        "ネットで売ってみたいが、何から始めればいいか分からない。催事頼みで売上の波が大きい。"
        "Instagramは娘が時々投稿しているだけ。",
        ["Instagram", "Excel"], 30_000, "半年以内", False, "取締役 重松 千代子",
    ),
    DemoIntake(
        "株式会社北九運輸",
        "トラック40台の一般貨物。配車係2名、事務3名。",
        ["業務効率化・ペーパーレス", "会計・バックオフィス"],
        "配車はホワイトボードと電話でやっている。ドライバーの勤怠と給与計算も手作業で、"
        "月末は事務が夜遅くまで残っている。2024年問題で労働時間の管理もきちんとしたい。",
        ["Excel", "弥生会計"], 60_000, "3か月以内", True, "代表取締役 梅田 剛",
    ),
    DemoIntake(
        "有限会社小倉焼うどん本舗",
        "魚町の焼うどん店、昼は行列。観光客が増えている。",
        ["店舗・予約・キャッシュレス"],
        "昼時は行列ができるのに、待ちきれずに帰るお客さんが多い。レジが古くてカードも"
        "QRコード決済も使えず、観光のお客さんに何度も聞かれる。",
        [], 30_000, "1か月以内", True, "取締役社長 片山 敏行",
    ),
    DemoIntake(
        "有限会社黒崎青果",
        "黒崎の青果卸・小売。売上の7割は飲食店と学校給食への配達。",
        ["在庫・受発注・生産管理", "業務効率化・ペーパーレス"],
        "飲食店からの注文が電話・FAX・LINEでばらばらに来て、朝4時から手書きで伝票を起こしている。"
        "聞き間違いで配達漏れが月に何度か出る。仕入れの量は社長の勘で、廃棄が多い。",
        ["LINE", "FAX", "Excel"], 50_000, "3か月以内", True, "代表取締役 白石 昭",
    ),
    DemoIntake(
        "株式会社皿倉ケアサービス",
        "訪問介護と居宅介護支援。ヘルパー45名、ケアマネジャー4名。",
        ["業務効率化・ペーパーレス", "情報セキュリティ"],
        "ヘルパーの訪問記録が紙で、事務所に戻ってから転記している。シフトの変更は電話とLINEで"
        "伝えていて、伝わっていないことがある。利用者さんの個人情報を扱うので、"
        "スマホで記録するならセキュリティも心配。",
        ["Excel", "LINE"], 50_000, "3か月以内", True, "代表取締役 江口 美千代",
    ),
    DemoIntake(
        "株式会社めかり観光",
        "門司港レトロで観光船・レストラン・土産物店を営む。クルーズ船の外国人客が増えている。",
        ["店舗・予約・キャッシュレス", "Web・SNS集客", "DX戦略・新規事業"],
        "観光船の予約は電話と窓口だけで、英語の案内もない。レストランと土産物店と観光船で"
        "レジもお客さまの情報もばらばら。3つの事業をまとめて見直したいので、"
        "毎月来てもらって一緒に進めてほしい。",
        ["Excel", "Instagram"], 100_000, "3か月以内", True, "代表取締役 藤野 真一",
    ),
    DemoIntake(
        "株式会社大雪木工",
        "旭川家具の受注生産。職人20名、設計2名、営業は社長。",
        ["在庫・受発注・生産管理", "Web・SNS集客"],
        "受注生産なのに、どの注文がどの工程にあるか誰も把握していない。納期を聞かれるたびに"
        "工場を見に行っている。ホームページは10年前のままで、問い合わせはほとんど来ない。",
        ["Excel", "WordPress"], 50_000, "半年以内", True, "代表取締役 堀 正人",
        saved_steps=3,
    ),
    DemoIntake(
        "株式会社道北ロジスティクス",
        "倉庫2棟と配送。事務所のPCは各自が買ったもので、管理者はいない。",
        ["情報セキュリティ", "ITインフラ・クラウド"],
        "事務所のパソコンが古く、先月ウイルス付きのメールを開いてしまった。"
        "バックアップも取っていないし、パスワードは付箋に書いてある。",
        ["Excel", "Windows"], 50_000, "1か月以内", True, "代表取締役社長 大西 徹",
    ),
    DemoIntake(
        "株式会社ゆきあかり介護",
        "デイサービス2か所と訪問介護。職員40名、うちパート25名。",
        ["採用・採用ブランディング", "業務効率化・ペーパーレス"],
        "求人を出しても応募が来ない。記録を紙に書いてから、パソコンにもう一度入力している。"
        "シフト表もExcelで、毎月作るのに2日かかる。",
        ["Excel", "Indeed"], 50_000, "3か月以内", False, "代表取締役 西田 あゆみ",
    ),
    DemoIntake(
        "株式会社沼垂印刷",
        "チラシ・冊子の商業印刷。印刷需要は毎年5%ずつ減っている。",
        ["DX戦略・新規事業", "AI・生成AI活用"],
        "印刷の仕事が減っていて、新しい事業を考えないといけない。生成AIで何かできないか"
        "社長が気にしているが、社内に詳しい人がいない。",
        ["Microsoft 365", "Illustrator"], 100_000, "半年以内", False, "代表取締役 長谷川 亮",
    ),
    DemoIntake(
        "有限会社湊町旅館",
        "客室18室の老舗旅館。予約は電話・旅行サイト3つ・自社サイト。",
        ["店舗・予約・キャッシュレス", "Web・SNS集客"],
        "予約が電話と旅行サイトでばらばらに入ってきて、ダブルブッキングが怖い。"
        "海外のお客さんにも来てほしいが、英語のページがない。",
        saved_steps=1,
    ),
    DemoIntake(
        "株式会社卸新町商事",
        "業務用食品の卸。営業6名、得意先は飲食店と給食。",
        ["顧客管理・営業支援", "データ活用・BI"],
        "顧客台帳がExcelで、営業担当ごとにバラバラ。営業日報は紙なので、"
        "どの見込み客がどこまで進んでいるか社長から見えない。",
        ["Excel", "Google Workspace"], 50_000, "3か月以内", False, "代表取締役社長 阿部 智史",
    ),
    DemoIntake(
        "株式会社摂田屋醸造",
        "創業明治の味噌・醤油蔵。昨年、先代から代替わりした。",
        ["事業承継・属人化解消", "EC・販路開拓"],
        "先代から継いだばかりで、仕込みの配合は父の勘頼み。通販も始めたいが、"
        "注文を受けて発送する人手がない。",
        ["BASE", "Instagram"], 50_000, "半年以内", True, "代表取締役 山﨑 陽介",
    ),
]
