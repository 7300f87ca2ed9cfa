"""``ponder view``: a small local web app over a project's run records and eval logs.

``create_app(root)`` builds the Starlette app (the ``view`` extra); ``catalog`` finds the
records, ``timeline`` lays a run out in time, ``pages`` renders the pages. An eval run's page is
the ``--html`` report itself.
"""
