"""The edge for the command line: argv and the process environment read once, then handed down."""
