"""敬称: 御中 for a company, 様 for a named person — never both, never 様 after a title alone."""


def to_company(company_name: str) -> str:
    return f"{company_name} 御中"


def to_person(company_name: str, title: str, person_name: str) -> str:
    parts = [p for p in (company_name, title, person_name) if p]
    if not person_name:
        raise ValueError("様 needs a person's name; address the company with 御中 instead")
    return " ".join(parts) + " 様"
