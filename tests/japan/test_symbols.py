"""refuse_symbols: names and titles without emoji or pictographs, rare kanji kept."""
import pytest

from app.japan import JapanInputError
from app.japan.text import refuse_symbols


@pytest.mark.parametrize("typed", [
    "梅田 剛",
    "𠮷田 髙志",  # rare kanji outside the BMP and variants
    "山﨑 一郎",
    "佐々木 ヶ原",
    "ジョン・スミス",
    "John Smith",
    "代表取締役",
    "代表取締役　社長",  # ideographic space
    "葛\U000e0100城 太郎",  # an ideographic variation selector picks the kanji's form
    "ﾔﾏﾀﾞ ﾀﾛｳ",  # half-width kana as typed
    "",
])
def test_keeps_names_as_typed(typed):
    assert refuse_symbols(typed, "お名前") == typed


@pytest.mark.parametrize("typed", [
    "梅田 剛😀",
    "梅田 剛\u2764\ufe0f",  # ❤️: a pictograph with the emoji presentation selector
    "梅田 剛\ufe0f",  # the presentation selector alone
    "梅田👍🏽",  # skin-tone modifier
    "山田🇯🇵",  # flag (regional indicators)
    "1\u20e3 山田",  # keycap
    "☎山田",
    "★代表取締役",
    "㈱山田",
    "山田\ud83d",  # an unpaired surrogate
])
def test_refuses_emoji_and_pictographs(typed):
    with pytest.raises(JapanInputError) as error:
        refuse_symbols(typed, "お名前")
    assert str(error.value) == "お名前に絵文字や記号は使用できません。"


def test_label_defaults_to_this_item():
    with pytest.raises(JapanInputError, match="^この項目に絵文字や記号は使用できません。$"):
        refuse_symbols("😀")
