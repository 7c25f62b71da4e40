"""pmoctl: a PMO service catalogue kept as YAML files in git.

The command line is one client of this package's Python API:

- :func:`pmoctl.rules.validate.validate_catalogue` loads and checks a catalogue;
- :mod:`pmoctl.lifecycle.transition` moves a service through its lifecycle as one git commit;
- :mod:`pmoctl.render.site` renders the catalogue, handbook and strategy.

Heavy modules (pydantic, ruamel.yaml, Jinja2, GitPython) are imported only by the
functions that need them, so that start-up stays fast.
"""

from pmoctl._version import __version__

__all__ = ["__version__"]
