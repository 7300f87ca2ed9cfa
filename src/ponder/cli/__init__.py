"""The command line: a tiny main and one module per subcommand. Only this package prints."""
