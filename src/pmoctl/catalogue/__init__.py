"""What a catalogue is: its files, document kinds and models, its lifecycle, and loading it.

- :mod:`.files`: where a catalogue's files are (``find_root``, ``list_files``, ``kind_of``)
  and the loaded ``Catalogue``;
- :mod:`.models`: the pydantic models of every document kind (format 1);
- :mod:`.lifecycle`: the stage graph as data (moves, approvers, evidence, requirements);
- :mod:`.pipeline`: loading every file into models, with findings (:mod:`.loading` for
  one file, :mod:`.workers` for worker processes, :mod:`.schema_errors` for positions of
  model errors, :mod:`.slim` for the compact models of large catalogues);
- :mod:`.scaffold`: ``init`` and ``new``.
"""
