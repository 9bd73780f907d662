"""PDF documents (ご提案書, 紹介票, 契約書, 証明書 …): HTML templates under templates/documents/
rendered by WeasyPrint with our fonts (fonts.py) and a fetcher that reads nothing outside
the app (render.py). No Flask request objects here: callable from services, CLI and jobs."""
