"""``python -m finmodel.cli`` runs the command line."""

from .main import main

main()
