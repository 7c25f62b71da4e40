"""Moving services through their lifecycle and recording decisions in git, and reading it back.

- :mod:`.record`: a decision as one verified commit (lock, preflight, guard, atomic write,
  restore on failure); :mod:`.transition` (a move) and every command that records a
  decision run on it; :mod:`.guard` decides whether the catalogue allows the result,
  :mod:`.transaction` keeps the repository as it was on failure;
- :mod:`.signatures`: a move signed by its approver (``approve``, ``transition --signature``);
  :mod:`.signers`: git's allowed-signers file; :mod:`.verify`: every signature in the history;
- :mod:`.history` and :mod:`.status`: a service's moves, and where every service stands;
- :mod:`.check` (with :mod:`.check_moves`, :mod:`.check_signatures`): a pull request's moves
  and decisions, judged commit by commit;
- :mod:`.codeowners`: the CODEOWNERS file that asks each service's owner to review.
"""
