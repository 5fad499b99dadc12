"""The benchmarks, as a script: ``python benchmarks/run.py [--quick] [--out FILE]``.

The code lives in :mod:`chainrule.bench` (also ``chainrule bench``).
"""

import sys

from chainrule.bench import main

if __name__ == "__main__":
    sys.exit(main())
