"""The document kinds of a catalogue, declared once.

Everything that goes through the kinds (the file layout and the loader, the id rules,
the transition guard, ``pmoctl init`` and ``pmoctl new``, the JSON Schemas, CODEOWNERS)
reads this table. It imports nothing heavy: the models are named, and loaded by
:mod:`pmoctl.catalogue.models`, which keys ``MODELS_BY_KIND`` by these names.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Kind:
    #: the kind's name, as in ``kind:`` fields, findings and the schema's name
    name: str
    #: a single file at the catalogue root ("strategy.yaml"), or for a collection the
    #: folder holding one ``<id>.yaml`` file per document ("services")
    place: str
    collection: bool
    #: the model class, by its name in :mod:`pmoctl.catalogue.models`
    model: str
    #: the file under ``templates/scaffold/`` that ``init`` and ``new`` fill in
    template: str
    #: whether CODEOWNERS gives its files an owner of their own (the others fall to the
    #: catalogue-wide owner, the strategy's owner)
    owned: bool

    @property
    def schema(self) -> str:
        """The JSON Schema's file name, under ``schemas/``."""
        return f"{self.name}.schema.json"

    @property
    def attribute(self) -> str:
        """The :class:`~pmoctl.catalogue.files.Catalogue` field holding the documents."""
        return self.place if self.collection else self.name

    @property
    def ids_attribute(self) -> str:
        """The Catalogue field holding the ids of every file of a collection, valid or not."""
        return f"{self.name}_ids"

    def path(self, ident: str = "") -> str:
        """Where a document of this kind lives, relative to the catalogue root."""
        return f"{self.place}/{ident}.yaml" if self.collection else self.place


KINDS: tuple[Kind, ...] = (
    Kind("config", "pmoctl.yaml", False, "Config", "pmoctl.yaml", owned=False),
    Kind("organisation", "organisation.yaml", False, "Organisation", "organisation.yaml", False),
    Kind("strategy", "strategy.yaml", False, "Strategy", "strategy.yaml", owned=True),
    Kind("handbook", "handbook.yaml", False, "Handbook", "handbook.yaml", owned=True),
    Kind("service", "services", True, "Service", "service.yaml", owned=True),
    Kind("procedure", "procedures", True, "Procedure", "procedure.yaml", owned=True),
)
#: kind name -> kind
KIND = {kind.name: kind for kind in KINDS}
COLLECTION_KINDS = tuple(kind for kind in KINDS if kind.collection)
SINGLETON_KINDS = tuple(kind for kind in KINDS if not kind.collection)
