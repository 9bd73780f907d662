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


def test_variant_spellings_cover_every_way_a_name_is_written():
    from app.japan.text import variant_spellings

    assert variant_spellings("吉田") == ["吉田", "𠮷田"]
    assert variant_spellings("𠮷田") == ["吉田", "𠮷田"]  # typed in a variant: the same set
    assert set(variant_spellings("髙崎")) >= {"高崎", "髙崎", "高﨑", "髙﨑", "高嵜"}
    assert variant_spellings("山本") == ["山本"]
    assert len(variant_spellings("崎" * 10, limit=64)) == 64  # bounded
