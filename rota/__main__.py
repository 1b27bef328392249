"""`python -m rota` is the same as the `rota` command."""

from rota.cli import main

main()
