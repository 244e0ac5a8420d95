"""One ``h1`` per page (issue 16, item 8): every page of the access matrix that a role may see (a 200 HTML
answer) has exactly one top-level heading, and the skip link lands on the main content."""

from lxml import html as lxml_html

from tests.test_access import MATRIX, login_as, records  # noqa: F401  (the fixture)

ROLES = ["anonymous", "enterprise", "owner", "expert", "staff"]  # admin sees the staff pages
NOT_PAGES = ("/api/", ".xlsx", ".zip", ".json", ".csv", ".pdf", "/healthz", "/lang/")


def test_every_page_has_one_h1_and_a_skip_link(client, auth, records):  # noqa: F811
    failures, seen = [], 0
    for role in ROLES:  # one test, so the matrix's records are made once
        if role != "anonymous":
            auth.logout()
        login_as(auth, role, records)
        seen += _scan(client, records, role, failures)
    assert seen >= 60, seen  # pages seen across the roles
    assert not failures, "\n".join(failures)


def _scan(client, records, role, failures):  # noqa: F811
    seen = 0
    for method, template, expected in MATRIX:
        if method != "GET" or expected.get(role, expected["*"]) != 200 or any(n in template for n in NOT_PAGES):
            continue
        response = client.get(template.format(**records))
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        seen += 1
        tree = lxml_html.fromstring(response.get_data(as_text=True))
        headings = [h.text_content().strip() for h in tree.xpath("//h1")]
        if len(headings) != 1:
            failures.append(f"{role} {template}: {len(headings)} h1 {headings}")
        skip = tree.xpath("//a[@href='#main']")
        if not skip or not tree.xpath("//main[@id='main']"):
            failures.append(f"{role} {template}: no skip link to <main id=main>")
    return seen
