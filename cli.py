"""Run the policytext command line from a checkout: ``python cli.py score corpora/demo``."""
from policytext.cli import main

if __name__ == "__main__":
    main()
