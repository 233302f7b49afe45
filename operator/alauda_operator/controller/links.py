"""Which services link to which, per namespace, kept from the AlaudaService
watch: when a service changes, appears or disappears, the services linking to
it are reconciled again (their link variables follow its ports). A plain
dictionary fed by the events the operator receives anyway; answering
"who links to X" costs no API call.
"""

from __future__ import annotations

from collections.abc import Iterable

ServiceKey = tuple[str, str]  # (namespace, name)


class LinkIndex:
    def __init__(self) -> None:
        self._links: dict[ServiceKey, frozenset[str]] = {}
        self._linked_from: dict[ServiceKey, set[str]] = {}

    def update(self, key: ServiceKey, linked_names: Iterable[str]) -> None:
        namespace, name = key
        new = frozenset(linked_names)
        old = self._links.get(key, frozenset())
        if new == old:
            return
        for target in old - new:
            linkers = self._linked_from.get((namespace, target))
            if linkers is not None:
                linkers.discard(name)
                if not linkers:
                    del self._linked_from[(namespace, target)]
        for target in new - old:
            self._linked_from.setdefault((namespace, target), set()).add(name)
        if new:
            self._links[key] = new
        else:
            self._links.pop(key, None)

    def remove(self, key: ServiceKey) -> None:
        self.update(key, ())

    def linkers_of(self, key: ServiceKey) -> list[ServiceKey]:
        """The services in ``key``'s namespace that link to it."""
        namespace, _ = key
        return [(namespace, name) for name in sorted(self._linked_from.get(key, ()))]
