"""Who links to whom, from the AlaudaService watch."""

from __future__ import annotations

from alauda_operator.controller.links import LinkIndex


def test_linkers_of_a_service_are_found() -> None:
    index = LinkIndex()
    index.update(("ns", "web"), ["db", "cache"])
    index.update(("ns", "worker"), ["db"])

    assert index.linkers_of(("ns", "db")) == [("ns", "web"), ("ns", "worker")]
    assert index.linkers_of(("ns", "cache")) == [("ns", "web")]


def test_links_are_per_namespace() -> None:
    index = LinkIndex()
    index.update(("a", "web"), ["db"])

    assert index.linkers_of(("b", "db")) == []


def test_a_dropped_link_is_forgotten() -> None:
    index = LinkIndex()
    index.update(("ns", "web"), ["db", "cache"])

    index.update(("ns", "web"), ["cache"])

    assert index.linkers_of(("ns", "db")) == []


def test_a_removed_service_links_to_nothing() -> None:
    index = LinkIndex()
    index.update(("ns", "web"), ["db"])

    index.remove(("ns", "web"))

    assert index.linkers_of(("ns", "db")) == []
