"""Login form."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    login_id = StringField("ログインID", validators=[
        DataRequired("ログインIDを入力してください。"), Length(max=100)])
    password = PasswordField("パスワード", validators=[
        DataRequired("パスワードを入力してください。"), Length(max=200)])


class EmptyForm(FlaskForm):
    """For POST-only buttons: carries the CSRF token."""
