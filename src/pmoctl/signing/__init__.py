"""Signed decisions: the statement an approver signs, git's allowed-signers file made from
the people registry, and the verification of a signed record, all through OpenSSH's
``ssh-keygen -Y`` (:mod:`~pmoctl.signing.sshkeygen`, the only place it runs).

Above the catalogue (it reads people and their keys) and below the lifecycle commands that
sign (``approve``) and verify (``check``, ``verify``). Not in :mod:`pmoctl.gitrepo`: that
package runs git and knows nothing of the catalogue, while a statement and an
allowed-signers file are made from catalogue records.

* :mod:`~pmoctl.signing.statement` - the canonical text of a decision, the signable kinds;
* :mod:`~pmoctl.signing.signers` - the allowed-signers lines from ``people[].keys``;
* :mod:`~pmoctl.signing.decisions` - judging one record's signature;
* :mod:`~pmoctl.signing.sshkeygen` - running ``ssh-keygen -Y sign/verify/find-principals``.
"""
