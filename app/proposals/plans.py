"""Default membership plans (PRODUCT.md §5), prices in yen before tax. The one place the
defaults live: demo seeding creates Plan rows from them; the operator edits the rows later,
and the rows win over these defaults wherever both exist."""

DEFAULT_PLAN_CODE = "standard"

DEFAULT_PLANS = [
    {
        "code": "light", "name": "ライト", "monthly_fee": 30_000, "sort_order": 1,
        "summary": "月1回のオンライン相談とチャットで、困りごとをすぐ相談できるプラン",
        "included": ["オンライン相談 月1回", "チャット相談"],
    },
    {
        "code": "standard", "name": "スタンダード", "monthly_fee": 50_000, "sort_order": 2,
        "summary": "月2回の相談と四半期ごとの訪問で、改善を一緒に進めるプラン",
        "included": ["オンライン相談 月2回", "訪問 四半期に1回", "チャット相談"],
    },
    {
        "code": "premium", "name": "プレミアム", "monthly_fee": 100_000, "sort_order": 3,
        "summary": "毎週の相談と毎月の訪問で、DXを伴走型で推進するプラン",
        "included": ["オンライン相談 毎週", "訪問 月1回", "チャット相談"],
    },
]
