"""Executors run an eval's (or a batch's) jobs for a driver that alone writes the results.

``LocalExecutor``: threads in this process (the default). ``RayExecutor``: actors on a Ray
cluster (``pip install 'ponder[ray]'``), each holding its own agent. See ``base`` for the contract.
"""
