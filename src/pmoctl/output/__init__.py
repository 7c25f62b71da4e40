"""Findings as people and machines read them: text, json, github, sarif, junit.

:mod:`.report` is the only module that prints; :mod:`.formats` builds the machine formats
as data.
"""
