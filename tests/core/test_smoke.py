"""A customer from kiosk to rating, on each database."""


async def test_kiosk_to_rating(api):
    b = await api.branch()
    ticket = await b.issue("personal")
    assert ticket["number"] == "A001" and ticket["status"] == "waiting" and ticket["ahead"] == 0
    assert len(ticket["track_token"]) >= 22
    await b.open(1)
    called = (await b.teller(1, "call-next")).json()
    assert called["id"] == ticket["id"] and called["status"] == "called" and called["counter"] == 1
    assert (await b.teller(1, "start")).json()["status"] == "serving"
    done = (await b.teller(1, "finish")).json()
    assert done["status"] == "done"
    r = await b.as_("agent", "POST", "/counters/1/evaluation", json={"score": 1})
    assert r.status_code == 200 and r.json()["score"] == 1
    types = [e["type"] for e in await b.events()]
    assert types == [
        "branch.updated",
        "ticket.issued",
        "counter.opened",
        "ticket.called",
        "ticket.serving",
        "ticket.done",
        "ticket.evaluated",
    ]
    seqs = [e["seq"] for e in await b.events()]
    assert seqs == list(range(1, len(seqs) + 1))
