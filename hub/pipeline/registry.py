"""The connector registry: connector classes found through the ``parley.connectors`` entry points."""

from __future__ import annotations

from importlib.metadata import entry_points

from hub.contract import AddressKind, Connector, HubServices

GROUP = "parley.connectors"


class UnknownConnector(LookupError):
    """No connector is registered for a channel type."""


def discover() -> dict[str, type[Connector]]:
    """Every installed connector class by its type name."""
    found: dict[str, type[Connector]] = {}
    for ep in entry_points(group=GROUP):
        cls = ep.load()
        if not (isinstance(cls, type) and issubclass(cls, Connector)):
            raise TypeError(f"entry point {ep.name} is not a Connector subclass")
        found[cls.type] = cls
    return found


class Registry:
    """The connector instances of one app, each built once with the services it is given.

    Connectors see only ``services`` (the contract's ``HubServices``), injected here.
    """

    def __init__(
        self, services: HubServices, classes: dict[str, type[Connector]] | None = None
    ) -> None:
        self.services = services
        self.classes = dict(discover() if classes is None else classes)
        self._instances: dict[str, Connector] = {}

    def register(self, cls: type[Connector]) -> None:
        """Add a connector class (tests and plug-ins not installed as packages)."""
        self.classes[cls.type] = cls
        self._instances.pop(cls.type, None)

    def types(self) -> list[str]:
        return sorted(self.classes)

    def get(self, type: str) -> Connector:
        if type not in self._instances:
            cls = self.classes.get(type)
            if cls is None:
                raise UnknownConnector(f"no connector for channel type {type!r}")
            self._instances[type] = cls(self.services)
        return self._instances[type]

    def all(self) -> list[Connector]:
        return [self.get(t) for t in self.types()]

    def address_kinds(self) -> list[AddressKind]:
        """Every kind of address there is, each once: the installed connectors' kinds
        first, then the rest declared in the process (the contract's phone, email, visitor).
        Search and the API's ``to`` read them; nobody lists kinds by hand."""
        kinds = {
            c.capabilities.address_kind.name: c.capabilities.address_kind
            for c in self.classes.values()
        }
        for name, kind in sorted(AddressKind.known().items()):
            kinds.setdefault(name, kind)
        return list(kinds.values())
