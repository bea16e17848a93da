"""The local AWS stack and the `csinsights` command line (development only: needs moto)."""
