"""The request handlers' search client (search.client.SearchReader) against the real Meilisearch: the same
answers as the meilisearch package's client, its errors among the ones every caller degrades on, a server
that accepts and never answers given up on within the timeout, and kept connections reused."""

import socket
import threading
import time

import meilisearch
import pytest

from search.client import SearchErrors, SearchReader, SearchRequestFailed, _pool
from tests import factories


def test_it_answers_as_the_meilisearch_client_does(search_backend, db_session):
    from search.drain import run_drain

    factories.institution(name="营口读者专利事务所", description="专利申请代理")
    db_session.commit()
    run_drain()
    uid = search_backend.index_uid("institution")
    queries = [{"indexUid": uid, "q": "专利", "limit": 5, "showRankingScore": True}]
    reader = search_backend.search_client()
    assert isinstance(reader, SearchReader)
    official = meilisearch.Client(search_backend.url, search_backend._key("search") or None, timeout=5)
    mine, theirs = reader.multi_search(queries), official.multi_search(queries)
    for answer in (mine, theirs):  # the server's own time differs between two calls
        for result in answer["results"]:
            result.pop("processingTimeMs", None)
    assert mine == theirs and mine["results"][0]["hits"]
    federated = reader.multi_search([{"indexUid": uid, "q": "专利"}], federation={"limit": 3})
    assert [h["_federation"]["indexUid"] for h in federated["hits"]] == [uid] * len(federated["hits"])


def test_an_error_answer_is_a_search_error_with_meilisearchs_code(search_backend):
    reader = search_backend.search_client()
    with pytest.raises(SearchRequestFailed) as caught:
        reader.multi_search([{"indexUid": "no_such_index_here", "q": "x"}])
    assert caught.value.status == 400 and caught.value.code == "index_not_found"
    assert isinstance(caught.value, SearchErrors)


def test_a_hung_server_is_given_up_on_within_the_timeout_and_never_asked_twice():
    accepted: list[socket.socket] = []
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def accept_and_say_nothing() -> None:
        while True:
            try:
                conn, _addr = listener.accept()
            except OSError:
                return
            accepted.append(conn)

    threading.Thread(target=accept_and_say_nothing, daemon=True).start()
    try:
        reader = SearchReader(f"http://127.0.0.1:{port}", "k", timeout=0.5)
        started = time.monotonic()
        with pytest.raises(SearchErrors):
            reader.multi_search([{"indexUid": "x", "q": "专利"}])
        assert time.monotonic() - started < 1.5
        assert len(accepted) == 1  # a search that timed out is not sent again
    finally:
        listener.close()
        for conn in accepted:
            conn.close()


def test_calls_reuse_this_processs_connections(search_backend):
    reader = search_backend.search_client()
    uid = search_backend.index_uid("institution")
    reader.multi_search([{"indexUid": uid, "q": "", "limit": 1}])
    pool = _pool().connection_from_url(search_backend.url)
    opened = pool.num_connections
    for _ in range(5):
        search_backend.search_client().multi_search([{"indexUid": uid, "q": "", "limit": 1}])
    assert pool.num_connections == opened
