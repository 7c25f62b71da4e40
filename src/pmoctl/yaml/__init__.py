"""Catalogue YAML: read a file into data with positions, and edit a file in place.

- :mod:`.loader`: ``read_text`` (the one reader of a catalogue file), ``parse`` (hardened
  YAML 1.2 into plain data, every refusal a :class:`~.errors.LoadError` at its position),
  ``locate`` (a document path back to line and column);
- :mod:`.yaml12`: YAML 1.2 core-schema data from libyaml's nodes;
- :mod:`.errors`: ``LoadError`` and how a parser problem is worded;
- :mod:`.edit`: the verified edits in place (set a value, append to a list) that a move and
  every recorded decision make (with :mod:`.emit` and :mod:`.text`, the scalars and layout
  they write).
"""
