"""The rendered catalogue, handbook and strategy, as a static site or Markdown.

:func:`.site.render_site` is the entry point; :mod:`.context` builds what templates see
(:mod:`.service`, :mod:`.handbook`, :mod:`.strategy`, :mod:`.directory`), :mod:`.environment`
the Jinja environments, :mod:`.pages` the pages, :mod:`.output` the output folder,
:mod:`.diagrams` the SVG and Mermaid diagrams, :mod:`.markup` safe Markdown and links.
"""
