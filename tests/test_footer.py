"""The no-tying statement in the page footer speaks for 「当金庫」: bank staff see it, the
platform operator (not a bank) does not."""
from app.extensions import db
from app.models import Role
from tests.factories import login, make_bank, make_branch, make_user

STATEMENT = "本サービスのご利用の有無は、当金庫とのお取引に一切影響いたしません。"


def test_footer_statement_only_for_bank_staff(app, app_ctx):
    bank = make_bank("みらい信用金庫")
    officer = make_user(Role.OFFICER, bank, make_branch(bank), name="担当 一郎")
    operator = make_user(Role.OPERATOR, name="運営 涼")
    db.session.commit()
    for user, shown in ((officer, True), (operator, False)):
        client = app.test_client()
        login(client, user)
        html = client.get("/").get_data(as_text=True)
        assert (STATEMENT in html) is shown, user.role
