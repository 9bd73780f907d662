"""Every action and kind of record the app writes to the audit log has a Japanese name.

The codes are read from the source: each record(...) call (action, record_type: the 2nd and
3rd arguments) and each AuditEntry(...) (1st and 2nd) anywhere in app/. An argument that is
a parameter of the function around the call is followed to that function's callers in the
same module (admin's _create(plan, "plan", …) → plan.create); an f-string is expanded part
by part. What cannot be followed must be listed in KNOWN, so a new kind of call fails here
until someone says which codes it writes."""
import ast
import itertools
from pathlib import Path

import pytest

import app as app_package
from app.audit.labels import (
    ACTION_LABELS,
    RECORD_TYPE_LABELS,
    action_label,
    record_label,
    record_type_label,
)
from app.models.referral import ActionKind

APP = Path(app_package.__file__).parent

# Expressions the collector cannot follow, by module: the codes they take.
KNOWN = {
    # send_by_email: `kind, label = ("resent", …) if resend else ("sent", …)`
    ("signing/services.py", "kind"): {"sent", "resent"},
    ("referrals/services.py", "action.value"): {kind.value for kind in ActionKind},
    # _record passes an AuditEntry through; the AuditEntry(...) calls are collected.
    ("advisors/services.py", "entry.action"): set(),
    ("advisors/services.py", "entry.record_type"): set(),
}


class Unresolved(Exception):
    pass


def _functions(tree: ast.Module) -> dict[ast.AST, ast.FunctionDef | None]:
    """Each node → the innermost function around it (None at module level)."""
    around: dict[ast.AST, ast.FunctionDef | None] = {}

    def visit(node: ast.AST, fn: ast.FunctionDef | None) -> None:
        around[node] = fn
        inner = node if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else fn
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(tree, None)
    return around


def _parameters(fn: ast.FunctionDef) -> list[str]:
    return [a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs]


class Module:
    def __init__(self, name: str, source: str):
        self.name, self.tree = name, ast.parse(source)
        self.around = _functions(self.tree)

    def calls(self, name: str) -> list[ast.Call]:
        return [n for n in ast.walk(self.tree) if isinstance(n, ast.Call)
                and isinstance(n.func, ast.Name) and n.func.id == name]

    def imports_record(self) -> bool:
        return any(isinstance(n, ast.ImportFrom) and n.module == "app.audit.services"
                   and any(a.name == "record" for a in n.names) for n in ast.walk(self.tree))

    def resolve(self, node: ast.expr, depth: int = 0) -> set[str]:
        """The strings an argument can be."""
        if depth > 5:
            raise Unresolved(f"{self.name}: {ast.unparse(node)} (too deep)")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.JoinedStr):
            parts = [self.resolve(v.value, depth) if isinstance(v, ast.FormattedValue)
                     else {v.value} for v in node.values]
            return {"".join(p) for p in itertools.product(*parts)}
        fn = self.around[node]
        if isinstance(node, ast.Name) and fn is not None and node.id in _parameters(fn):
            return self._from_callers(fn, node.id, depth)
        known = KNOWN.get((self.name, ast.unparse(node)))
        if known is None:
            raise Unresolved(f"{self.name}: cannot tell which codes `{ast.unparse(node)}` "
                             "takes; add it to KNOWN in this test")
        return known

    def _from_callers(self, fn: ast.FunctionDef, param: str, depth: int) -> set[str]:
        positional = [a.arg for a in fn.args.posonlyargs + fn.args.args]
        callers = self.calls(fn.name)
        if not callers:
            raise Unresolved(f"{self.name}: {fn.name}() is called from elsewhere")
        values: set[str] = set()
        for call in callers:
            given = {k.arg: k.value for k in call.keywords}
            i = positional.index(param) if param in positional else len(call.args)
            arg = call.args[i] if i < len(call.args) else given.get(param)
            if arg is None or isinstance(arg, ast.Starred):
                raise Unresolved(f"{self.name}: {ast.unparse(call)}")
            values |= self.resolve(arg, depth + 1)
        return values

    def codes(self) -> tuple[set[str], set[str]]:
        """(actions, record types) this module writes to the audit log."""
        actions: set[str] = set()
        types: set[str] = set()
        pairs = [(c.args[1], c.args[2]) for c in self.calls("record")] \
            if self.imports_record() else []
        for call in self.calls("AuditEntry"):
            given = {k.arg: k.value for k in call.keywords}
            pairs.append((call.args[0] if call.args else given["action"],
                          call.args[1] if len(call.args) > 1 else given["record_type"]))
        for action, record_type in pairs:
            actions |= self.resolve(action)
            types |= self.resolve(record_type)
        return actions, types


def codes_in(modules: list[Module]) -> tuple[set[str], set[str]]:
    actions: set[str] = set()
    types: set[str] = set()
    for module in modules:
        a, t = module.codes()
        actions |= a
        types |= t
    return actions, types


def app_codes() -> tuple[set[str], set[str]]:
    return codes_in([Module(p.relative_to(APP).as_posix(), p.read_text(encoding="utf-8"))
                     for p in sorted(APP.rglob("*.py"))])


def test_every_action_and_record_type_written_has_a_japanese_name():
    actions, types = app_codes()
    # The collector really reads the calls: literal, f-string, followed through a helper.
    assert {"case.create", "audit.export", "signing.sealed", "signing.resent",
            "referral.approve_on_behalf", "plan.create", "subsidy_programme.update",
            "bank.update", "advisor.import", "user.deputy"} <= actions
    assert "bank.create" not in actions  # no bank is created through _create
    assert {"case", "subscription_agreement", "referral", "bank", "plan", "advisor_import",
            "audit_log", "outgoing_mail", "user"} <= types
    assert sorted(actions - ACTION_LABELS.keys()) == []
    assert sorted(types - RECORD_TYPE_LABELS.keys()) == []


@pytest.mark.parametrize("labels", [ACTION_LABELS, RECORD_TYPE_LABELS])
def test_names_are_japanese(labels):
    for code, label in labels.items():
        assert label != code and not label.isascii(), code


def test_a_new_unnamed_code_is_caught():
    source = '''
from app.audit.services import record


def _log(actor, kind, thing_id):
    record(actor, f"widget.{kind}", "widget", thing_id)


def make(actor):
    _log(actor, "make", 1)
    record(actor, "case.create", "case", 2)
'''
    actions, types = codes_in([Module("widgets/services.py", source)])
    assert actions == {"widget.make", "case.create"} and types == {"widget", "case"}
    assert actions - ACTION_LABELS.keys() == {"widget.make"}
    untraceable = source.replace('_log(actor, "make", 1)', "_log(actor, pick(), 1)")
    with pytest.raises(Unresolved, match="pick"):
        codes_in([Module("widgets/services.py", untraceable)])


@pytest.mark.parametrize("record_type,record_id,shown", [
    ("subscription_agreement", "1", "利用申込書兼契約書 #1"),
    ("case", "123", "案件 #123"),
    ("audit_log", "search", "監査ログ"),  # an ID that is not a number says nothing
    ("advisor_import", "cli", "アドバイザーの取り込み"),
    ("mystery_type", "5", "mystery_type #5"),  # unknown: the code, as stored
    ("mystery_type", "all", "mystery_type #all"),
])
def test_record_label(record_type, record_id, shown):
    assert record_label(record_type, record_id) == shown


def test_unknown_codes_fall_back_to_the_code():
    assert action_label("mystery.thing") == "mystery.thing"
    assert record_type_label("mystery_type") == "mystery_type"
    assert action_label("signing.sealed") == "電子契約：封緘（締結）"
    assert record_type_label("referral") == "紹介稟議"


def test_workflow_changes_read_in_japanese():
    """The 変更内容 of a 稟議, consent, signing or mail row: Japanese field names, states and
    steps by name, moments in JST, no Python or ISO text."""
    from app.admin.history import row_changes
    from app.models import AuditLog

    def shown(record_type, before, after):
        row = AuditLog(record_type=record_type, before=before, after=after)
        return {c.label: (c.before, c.after) for c in row_changes(row)}

    referral = shown("referral", {"status": "pending", "step": "supervisor"},
                     {"status": "returned", "step": "", "comment": "金額を確認してください"})
    assert referral["状態"] == ("承認待ち", "差戻し")
    assert referral["段階"] == ("役席", "—")
    assert referral["コメント"][1] == "金額を確認してください"
    signing = shown("subscription_agreement", None, {
        "email": "rep@example.jp", "expires_at": "2026-12-18T17:31:56.910546+00:00",
        "mode": "email", "addressee_differs": True})
    assert signing["有効期限"][1] == "2026/12/19 02:31"
    assert signing["署名の方法"][1] == "メール" and signing["宛先と異なる署名者"][1] == "異なる"
    consent = shown("consent_record", None, {
        "items": ["company", "needs"], "method": "electronic",
        "recipients": [{"kind": "platform", "name": "Pocket TECH Advisor 運営事務局"}]})
    assert "{" not in consent["提供先"][1] and "運営事務局" in consent["提供先"][1]
    assert "company" not in consent["提供する項目"][1]
    mail = shown("outgoing_mail", {"status": "failed", "attempts": 6},
                 {"status": "pending", "attempts": 6})
    assert mail["状態"] == ("送信失敗", "送信待ち")
