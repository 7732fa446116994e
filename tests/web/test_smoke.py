from tests.factories import make_item


def test_login_then_item_page(client, session, world, login_as):
    item = make_item(session, world, brand="Morphy Richards")
    assert client.get("/").status_code == 302
    login_as("fixer")
    page = client.get(f"/items/{item.id}")
    assert page.status_code == 200
    assert "Morphy Richards" in page.get_data(as_text=True)
    listing = client.get("/items/?q=morphy").get_data(as_text=True)
    assert "Morphy Richards" in listing


def test_healthz_and_public_page_need_no_login(client, session, world):
    item = make_item(session, world, brand="Dualit")
    from repaircafe.tags.services.tags import current_tag
    code = current_tag(session, item_id=item.id).code
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}
    page = client.get(f"/I/{code}")
    assert page.status_code == 200 and "Dualit" in page.get_data(as_text=True)
    assert client.get(f"/i/{code.lower()}").status_code == 200
