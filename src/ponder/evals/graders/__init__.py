"""The built-in grader kinds, one module per family; each module lists its classes in ``GRADERS``."""
