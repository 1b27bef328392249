#!/usr/bin/env python
"""Django's command-line utility; `rota` is the same with a shorter name."""

from rota.cli import main

if __name__ == "__main__":
    main()
