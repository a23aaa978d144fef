"""The subcommands of `newsarchive`, one module per group."""
