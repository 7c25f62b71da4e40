"""Running the PMO: how the running services' KPIs perform, and what needs doing when.

Reads the catalogue only (no git). Imports catalogue, rules, output and the foundation
modules; the site (render) and the command line import it.
"""
