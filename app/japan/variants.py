"""Variant kanji (異体字) folded to their common form, for matching names that have no
stored search key (the audit log's actor names). The table is search_key's own, so 「吉田」
finds 「𠮷田」 here as it does in the client search."""
from app.japan.text import _VARIANTS


def fold_variants(value: str) -> str:
    """𠮷 → 吉, 髙 → 高, 﨑 → 崎 … and nothing else (no NFKC: names stay as recorded)."""
    return value.translate(_VARIANTS)
