"""pmoctl: a PMO service catalogue kept as YAML files in git.

The Python API is :mod:`pmoctl.api` (``load``, ``validate``, ``transition``, ``render``,
``check``; see docs/api.md); the command line, :mod:`pmoctl.cli`, is one client of it.
The packages, each with one concern, from the command line down: ``cli``, ``render``,
``lifecycle``, ``output``, ``rules``, ``catalogue``, ``yaml`` and ``gitrepo``.
"""

from pmoctl._version import __version__

__all__ = ["__version__"]
