"""``python -m finmodel`` runs the command line."""

from .cli import main

main()
