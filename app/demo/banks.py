"""Demo banks, branches and staff: two fictional shinkin banks (the second one exists to show
that banks never see each other's data). Keys are stable: bank code, branch code, login id.

Phone numbers use a local exchange starting with 0, which no real fixed line has, so nobody
is rung by mistake during a demonstration."""
from dataclasses import dataclass

from app.models import Role

MIRAI = "9999"  # みらい信用金庫 (fictional; no real 統一金融機関コード)
HAYABUSA = "9998"  # はやぶさ信用金庫 (fictional)


@dataclass(frozen=True)
class DemoBank:
    code: str
    name: str
    hq_approval_threshold: int = 1_000_000


@dataclass(frozen=True)
class DemoBranch:
    bank_code: str
    code: str
    name: str
    prefecture: str
    municipality: str
    address: str
    phone: str


@dataclass(frozen=True)
class DemoUser:
    login_id: str
    password: str
    role: Role
    name: str
    bank_code: str | None = None
    branch_code: str | None = None
    deputy: bool = False  # named 代理承認者 (a 役席 who may approve for the 支店長)

    @property
    def email(self) -> str:
        local = self.login_id.replace("@", ".")
        return f"{local}@{'pta' if self.role == Role.OPERATOR else 'shinkin'}.example.jp"


DEMO_BANKS = [
    DemoBank(MIRAI, "みらい信用金庫"),
    DemoBank(HAYABUSA, "はやぶさ信用金庫"),
]

DEMO_BRANCHES = [
    DemoBranch(MIRAI, "101", "北九州支店", "福岡県", "北九州市", "小倉北区室町2丁目5-10",
               "0930510101"),
    DemoBranch(MIRAI, "201", "旭川支店", "北海道", "旭川市", "宮下通8丁目1番20号",
               "0166050201"),
    DemoBranch(MIRAI, "301", "新潟支店", "新潟県", "新潟市", "中央区東大通1丁目3番8号",
               "0250530301"),
    DemoBranch(MIRAI, "302", "長岡支店", "新潟県", "長岡市", "大手通2丁目4番地6",
               "0258050302"),
    DemoBranch(HAYABUSA, "501", "八幡支店", "福岡県", "北九州市", "八幡西区黒崎3丁目9-2",
               "0930620501"),
]

# One password per role, so the README table stays short; they are public demo values.
_OFFICER, _SUPERVISOR, _MANAGER = "demo-officer", "demo-supervisor", "demo-manager"

# Only 北九州支店 has 役席 (one of them the named deputy); 旭川・新潟・長岡 have none, so the
# demo referrals that go through approval are all 北九州支店's (app/demo/referrals.py).
DEMO_USERS = [
    DemoUser("officer@kitakyushu", _OFFICER, Role.OFFICER, "井上 大輔", MIRAI, "101"),
    DemoUser("officer2@kitakyushu", _OFFICER, Role.OFFICER, "松尾 さくら", MIRAI, "101"),
    DemoUser("supervisor@kitakyushu", _SUPERVISOR, Role.SUPERVISOR, "古賀 誠", MIRAI, "101"),
    DemoUser("deputy@kitakyushu", _SUPERVISOR, Role.SUPERVISOR, "緒方 恵美", MIRAI, "101",
             deputy=True),
    DemoUser("manager@kitakyushu", _MANAGER, Role.MANAGER, "末松 修", MIRAI, "101"),
    DemoUser("officer@asahikawa", _OFFICER, Role.OFFICER, "佐々木 拓海", MIRAI, "201"),
    DemoUser("manager@asahikawa", _MANAGER, Role.MANAGER, "工藤 和彦", MIRAI, "201"),
    DemoUser("officer@niigata", _OFFICER, Role.OFFICER, "五十嵐 舞", MIRAI, "301"),
    DemoUser("manager@niigata", _MANAGER, Role.MANAGER, "本間 浩一", MIRAI, "301"),
    DemoUser("officer@nagaoka", _OFFICER, Role.OFFICER, "星野 健太", MIRAI, "302"),
    DemoUser("manager@nagaoka", _MANAGER, Role.MANAGER, "小川 純一", MIRAI, "302"),
    DemoUser("hq@mirai", "demo-hq", Role.HQ, "山本 恵子", MIRAI),
    DemoUser("operator@pta", "demo-operator", Role.OPERATOR, "中島 涼"),
    DemoUser("officer@hayabusa", _OFFICER, Role.OFFICER, "原田 翔", HAYABUSA, "501"),
]

# The officer who "created" a branch's demo clients and intakes.
BRANCH_OFFICER = {
    (u.bank_code, u.branch_code): u.login_id
    for u in reversed(DEMO_USERS)  # reversed: the first officer listed wins
    if u.role == Role.OFFICER
}
