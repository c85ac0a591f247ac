"""Read a rendered HTML form back into the POST data a browser would send (for HTTP tests of
Oscar's large dashboard forms and their formsets)."""

from bs4 import BeautifulSoup


def form_data(html: str, *, form_id: str | None = None, contains: str | None = None) -> dict[str, str]:
    """The fields of the first form with `form_id` (or holding a field named `contains`)."""
    soup = BeautifulSoup(html, "html.parser")
    forms = soup.find_all("form")
    if form_id:
        forms = [f for f in forms if f.get("id") == form_id]
    if contains:
        forms = [f for f in forms if f.find(attrs={"name": contains})]
    assert forms, "no such form on the page"
    data: dict[str, str] = {}
    for field in forms[0].find_all(["input", "select", "textarea"]):
        name = field.get("name")
        if not name or field.has_attr("disabled"):
            continue
        if field.name == "textarea":
            data[name] = field.text
        elif field.name == "select":
            chosen = field.find("option", selected=True) or field.find("option")
            if chosen is not None and chosen.get("value") is not None:
                data[name] = chosen["value"]
        elif field.get("type") in {"checkbox", "radio"}:
            if field.has_attr("checked"):
                data[name] = field.get("value", "on")
        elif field.get("type") not in {"submit", "button", "file", "image"}:
            data[name] = field.get("value", "")
    return data
