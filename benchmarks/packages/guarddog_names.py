"""Run GuardDog's PyPI typosquatting detector on names read from stdin (one per line).

Run with the Python of GuardDog's environment; prints the flagged names, one per line.
"""

import sys

from guarddog.analyzer.metadata.pypi.typosquatting import PypiTyposquatDetector

detector = PypiTyposquatDetector()
for line in sys.stdin:
    name = line.strip()
    if name and detector.detect({"info": {"name": name}})[0]:
        print(name)
