"""Moving services through their lifecycle in git, and reading it back.

- :mod:`.transition`: a move as one verified commit (:mod:`.guard` decides whether the
  catalogue allows it, :mod:`.transaction` keeps the repository as it was on failure);
- :mod:`.history` and :mod:`.status`: a service's moves, and where every service stands;
- :mod:`.check` (with :mod:`.check_moves`): a pull request's moves, judged commit by commit;
- :mod:`.codeowners`: the CODEOWNERS file that asks each service's owner to review.
"""
