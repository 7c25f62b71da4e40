"""Running the PMO: how the running services' KPIs perform, what needs doing when, and the
readings and service reviews recorded as they happen.

The reports read the catalogue only (no git); the commands that record a reading or a
review write through :mod:`pmoctl.lifecycle.record`, as one commit each. Imports lifecycle,
catalogue, rules, output and the foundation modules; the site (render) and the command
line import it.
"""
